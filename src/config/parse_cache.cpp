// A route's `cache:` policy (docs/cache.md, config/cache.hpp):
//   cache: {ttl: 60s, heuristic: true, heuristic_max: 1d, vary: [accept-encoding],
//           key: {headers: [x-tenant], cookies: [lang], client_prefix: false, query: true},
//           stale_while_revalidate: 30s, stale_if_error: 1h, tags: [site],
//           private: false, coalesce: true, coalesce_timeout: 5s,
//           max_object_bytes: 8MiB, strip_tag_headers: true, name: strata}
// `cache:` alone or `{}` takes every default.
#include <fmt/format.h>

#include "config/parse.hpp"

namespace strata::config::detail {

namespace {

bool tchar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
         std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
}

// A field or cookie name (RFC 9110 token); header names are lower-cased.
std::string token(const Doc& d, const Val& v, std::string_view what, bool lower) {
  std::string s = as_string(d, v, what);
  if (s.empty()) d.fail(v.loc, fmt::format("{}: must not be empty", what));
  for (auto& c : s) {
    if (!tchar(c)) d.fail(v.loc, fmt::format("{}: '{}' is not a valid name", what, s));
    if (lower && c >= 'A' && c <= 'Z') c = char(c - 'A' + 'a');
  }
  return s;
}

std::vector<std::string> tokens(const Doc& d, const Val& v, std::string_view what, bool lower) {
  std::vector<std::string> out;
  for (const auto& x : as_seq(d, v, what)) {
    auto t = token(d, x, what, lower);
    for (const auto& seen : out)
      if (seen == t) d.fail(x.loc, fmt::format("{}: '{}' is listed twice", what, t));
    out.push_back(std::move(t));
  }
  return out;
}

}  // namespace

RouteCache parse_route_cache(const Doc& d, const Val& v) {
  RouteCache c;
  if (v.node.IsNull()) return c;
  MapReader m(d, v, "cache",
              {"ttl", "heuristic", "heuristic_max", "vary", "key", "stale_while_revalidate",
               "stale_if_error", "tags", "private", "coalesce", "coalesce_timeout",
               "max_object_bytes", "strip_tag_headers", "name"});
  opt_duration(m, "ttl", c.ttl);
  opt_bool(m, "heuristic", c.heuristic);
  opt_duration(m, "heuristic_max", c.heuristic_max);
  if (auto x = m.get("vary")) c.vary = tokens(d, *x, "vary", true);
  if (auto k = m.get("key")) {
    MapReader km(d, *k, "key", {"headers", "cookies", "client_prefix", "query"});
    if (auto x = km.get("headers")) c.key.headers = tokens(d, *x, "headers", true);
    if (auto x = km.get("cookies")) c.key.cookies = tokens(d, *x, "cookies", false);
    opt_bool(km, "client_prefix", c.key.client_prefix);
    opt_bool(km, "query", c.key.query);
  }
  opt_duration(m, "stale_while_revalidate", c.stale_while_revalidate);
  opt_duration(m, "stale_if_error", c.stale_if_error);
  if (auto x = m.get("tags")) {
    for (const auto& t : as_seq(d, *x, "tags")) {
      auto s = as_string(d, t, "tags");
      if (s.empty() || s.find_first_of(" ,\t\r\n") != std::string::npos)
        d.fail(t.loc, fmt::format("tags: '{}' must be non-empty with no space or comma", s));
      c.tags.push_back(std::move(s));
    }
  }
  opt_bool(m, "private", c.private_);
  opt_bool(m, "coalesce", c.coalesce);
  opt_duration(m, "coalesce_timeout", c.coalesce_timeout, Duration(1));
  opt_size(m, "max_object_bytes", c.max_object_bytes, 0, std::uint64_t(1) << 40);
  opt_bool(m, "strip_tag_headers", c.strip_tag_headers);
  if (auto x = m.get("name")) {
    c.name = as_string(d, *x, "name");
    bool ok = !c.name.empty() && ((c.name[0] >= 'a' && c.name[0] <= 'z') ||
                                  (c.name[0] >= 'A' && c.name[0] <= 'Z') || c.name[0] == '*');
    for (char ch : c.name) ok = ok && (tchar(ch) || ch == ':' || ch == '/');
    if (!ok)
      d.fail(x->loc, fmt::format("name: '{}' is not a structured-field token "
                                 "(letters, digits and !#$%&'*+-.^_`|~:/, starting with a letter)",
                                 c.name));
  }
  return c;
}

}  // namespace strata::config::detail
