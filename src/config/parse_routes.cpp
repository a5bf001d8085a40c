// route_tables: {table: [route, ...]} — match, exactly one action, header edits.
#include <fmt/format.h>
#include <re2/re2.h>

#include <cctype>
#include <unordered_set>

#include "config/address.hpp"
#include "config/parse.hpp"

namespace strata::config::detail {
namespace {

bool is_tchar(char c) {
  if (std::isalnum(static_cast<unsigned char>(c))) return true;
  switch (c) {
    case '!': case '#': case '$': case '%': case '&': case '\'': case '*': case '+':
    case '-': case '.': case '^': case '_': case '`': case '|': case '~':
      return true;
    default:
      return false;
  }
}


std::string host_pattern(const Doc& d, const Val& v) {
  auto s = as_string(d, v, "host");
  for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  std::string_view n = s;
  if (n.starts_with("*.")) n.remove_prefix(2);
  if (!valid_dns_name(n))
    d.fail(v.loc, fmt::format("host: '{}' is not a host name (wildcards only as a leading '*.')", s));
  return s;
}

HeaderMatch parse_header_match(const Doc& d, const Val& v) {
  MapReader m(d, v, "header match", {"name", "exact", "prefix", "regex", "present"});
  HeaderMatch h;
  h.name = header_name(d, m.require("name"), "name");
  int n = 0;
  if (auto e = m.get("exact")) h.exact = header_value(d, *e, "exact"), ++n;
  if (auto e = m.get("prefix")) h.prefix = header_value(d, *e, "prefix"), ++n;
  if (auto e = m.get("regex")) h.regex = regex_value(d, *e, "regex"), ++n;
  if (n > 1) d.fail(v.loc, "header match: use only one of exact, prefix, regex");
  if (auto p = m.get("present")) {
    h.present = as_bool(d, *p, "present");
    if (!h.present && n > 0)
      d.fail(p->loc, "present: false means the header is absent; it cannot also match a value");
  }
  return h;
}

Match parse_match(const Doc& d, const Val& v) {
  MapReader m(d, v, "match", {"host", "hosts", "path", "prefix", "regex", "methods", "headers"});
  Match mt;
  if (m.has("host") && m.has("hosts"))
    d.fail(m.get("hosts")->loc, "hosts: use either 'host' or 'hosts', not both");
  if (auto h = m.get("host")) mt.hosts.push_back(host_pattern(d, *h));
  if (auto h = m.get("hosts"))
    for (const auto& e : as_seq(d, *h, "hosts")) mt.hosts.push_back(host_pattern(d, e));
  int n = 0;
  for (const char* k : {"path", "prefix", "regex"}) {
    auto p = m.get(k);
    if (!p) continue;
    if (++n > 1) d.fail(p->loc, "match: use only one of path, prefix, regex");
    std::string_view key = k;
    if (key == "path") mt.path = path_value(d, *p, "path");
    else if (key == "prefix") mt.prefix = path_value(d, *p, "prefix");
    else mt.regex = regex_value(d, *p, "regex");
  }
  if (auto ms = m.get("methods")) {
    for (const auto& e : as_seq(d, *ms, "methods")) {
      auto s = as_string(d, e, "methods");
      bool ok = !s.empty();
      for (char c : s) ok = ok && is_tchar(c) && !std::islower(static_cast<unsigned char>(c));
      if (!ok) d.fail(e.loc, fmt::format("methods: '{}' is not a method (methods are upper case, e.g. GET)", s));
      mt.methods.push_back(std::move(s));
    }
  }
  if (auto hs = m.get("headers"))
    for (const auto& e : as_seq(d, *hs, "headers")) mt.headers.push_back(parse_header_match(d, e));
  return mt;
}

ProxyAction parse_proxy(const Doc& d, const Val& v, const Config& c, const Match& mt) {
  MapReader m(d, v, "proxy", {"cluster", "timeout", "per_try_timeout", "prefix_rewrite", "host_rewrite",
                              "retry", "fallback"});
  ProxyAction p;
  auto cl = m.require("cluster");
  p.cluster = as_string(d, cl, "cluster");
  if (!c.clusters.count(p.cluster)) d.fail(cl.loc, fmt::format("cluster: no cluster named '{}'", p.cluster));
  opt_duration(m, "timeout", p.timeout, Duration(1));
  opt_duration(m, "per_try_timeout", p.per_try_timeout, Duration(1));
  if (p.timeout && p.per_try_timeout && *p.per_try_timeout > *p.timeout)
    d.fail(m.get("per_try_timeout")->loc, "per_try_timeout: must not exceed timeout");
  if (auto r = m.get("retry")) p.retry = parse_retry(d, *r);
  if (p.retry && p.retry->per_try_timeout && p.timeout && *p.retry->per_try_timeout > *p.timeout)
    d.fail(m.get("retry")->loc, "retry per_try_timeout: must not exceed timeout");
  if (auto f = m.get("fallback")) p.fallback = parse_fallback(d, *f, c, p.cluster);
  if (auto r = m.get("prefix_rewrite")) {
    if (!mt.prefix) d.fail(r->loc, "prefix_rewrite: needs a 'prefix' match on the route");
    p.prefix_rewrite = path_value(d, *r, "prefix_rewrite");
  }
  if (auto h = m.get("host_rewrite")) {
    p.host_rewrite = as_string(d, *h, "host_rewrite");
    std::string_view hv = *p.host_rewrite;
    if (auto colon = hv.rfind(':'); colon != std::string_view::npos && hv.front() != '[')
      hv = hv.substr(0, colon);
    if (!hv.starts_with("[") && !valid_dns_name(hv))
      d.fail(h->loc, fmt::format("host_rewrite: '{}' is not a host name", *p.host_rewrite));
  }
  return p;
}

RespondAction parse_respond(const Doc& d, const Val& v) {
  MapReader m(d, v, "respond", {"status", "body", "content_type"});
  RespondAction r;
  opt_uint(m, "status", r.status, 100, 599);
  opt_string(m, "body", r.body);
  if (auto ct = m.get("content_type")) {
    r.content_type = header_value(d, *ct, "content_type");
    if (r.content_type.empty()) d.fail(ct->loc, "content_type: must not be empty");
  }
  return r;
}

FilesAction parse_files(const Doc& d, const Val& v) {
  MapReader m(d, v, "files", {"root", "index", "strip_prefix"});
  FilesAction f;
  auto root = m.require("root");
  f.root = as_string(d, root, "root");
  if (f.root.empty()) d.fail(root.loc, "root: must not be empty");
  f.root = d.resolve_path(f.root);
  if (auto i = m.get("index")) {
    f.index = as_string(d, *i, "index");
    if (f.index.find('/') != std::string::npos || f.index == "." || f.index == "..")
      d.fail(i->loc, "index: must be a plain file name (or \"\" for none)");
  }
  opt_bool(m, "strip_prefix", f.strip_prefix);
  return f;
}

RedirectAction parse_redirect(const Doc& d, const Val& v) {
  MapReader m(d, v, "redirect", {"status", "scheme", "host", "port", "path", "keep_query"});
  RedirectAction r;
  if (auto s = m.get("status")) {
    r.status = static_cast<int>(as_uint(d, *s, "status", 0, 999));
    if (r.status != 301 && r.status != 302 && r.status != 303 && r.status != 307 && r.status != 308)
      d.fail(s->loc, fmt::format("status: {} is not a redirect status (301, 302, 303, 307, 308)", r.status));
  }
  if (auto s = m.get("scheme")) r.scheme = as_enum(d, *s, "scheme", {"http", "https"});
  if (auto h = m.get("host")) r.host = host_pattern(d, *h);
  if (r.host && r.host->starts_with("*")) d.fail(m.get("host")->loc, "host: a redirect target cannot be a wildcard");
  if (auto p = m.get("port")) r.port = static_cast<std::uint16_t>(as_uint(d, *p, "port", 1, 65535));
  if (auto p = m.get("path")) r.path = path_value(d, *p, "path");
  opt_bool(m, "keep_query", r.keep_query);
  if (!r.scheme && !r.host && !r.port && !r.path)
    d.fail(v.loc, "redirect: set at least one of scheme, host, port, path (otherwise it loops)");
  return r;
}

void parse_header_edits(const Doc& d, const Val& v, std::string_view what, HeaderList& add,
                        std::vector<std::string>& remove) {
  MapReader m(d, v, what, {"add", "remove"});
  if (auto a = m.get("add")) {
    MapReader am(d, *a, "add");
    for (const auto& e : am.entries())
      add.emplace_back(header_name_text(d, e.key_loc, e.key, "add"),
                       header_value(d, e.value, "header value"));
  }
  if (auto r = m.get("remove"))
    for (const auto& e : as_seq(d, *r, "remove")) remove.push_back(header_name(d, e, "remove"));
}

FilterConfig parse_filter(const Doc& d, const Val& v) {
  MapReader m(d, v, "filter", {"headers", "compression"});
  if (m.entries().size() != 1)
    d.fail(v.loc, "filter: give exactly one filter type (headers or compression)");
  FilterConfig f;
  f.loc = v.loc;
  if (auto h = m.get("headers")) {
    f.type = "headers";
    MapReader hm(d, *h, "headers", {"request", "response"});
    if (auto r = hm.get("request"))
      parse_header_edits(d, *r, "request", f.headers.request_add, f.headers.request_remove);
    if (auto r = hm.get("response"))
      parse_header_edits(d, *r, "response", f.headers.response_add, f.headers.response_remove);
  }
  if (auto c = m.get("compression")) {
    f.type = "compression";
    f.compression = parse_compression(d, *c);
  }
  return f;
}

Route parse_route(const Doc& d, const Val& v, const Config& c, const std::string& table,
                  std::size_t index) {
  // "filters" joins the expected keys of the unknown-key message only when
  // the route uses it (the message of other routes stays as it was).
  const MapReader any(d, v, "route");
  const bool filters = any.has("filters");
  // Same for the hub actions (config/parse_hub.cpp).
  const bool hub = any.has("hub") || any.has("hub_api");
  MapReader m = hub       ? MapReader(d, v, "route",
                                      {"name", "match", "proxy", "respond", "files", "redirect",
                                       "hub", "hub_api", "request_headers", "response_headers",
                                       "early_data", "connect", "filters"}, {"security", "cache", "early_hints", "priority"})
                : filters ? MapReader(d, v, "route",
                                    {"name", "match", "proxy", "respond", "files", "redirect",
                                     "request_headers", "response_headers", "early_data", "connect",
                                     "filters"}, {"security", "cache", "early_hints", "priority"})
                        : MapReader(d, v, "route",
                                    {"name", "match", "proxy", "respond", "files", "redirect",
                                     "request_headers", "response_headers", "early_data",
                                     "connect"}, {"security", "cache", "early_hints", "priority"});
  Route r;
  r.loc = v.loc;
  if (auto n = m.get("name")) {
    r.name = as_string(d, *n, "name");
    if (r.name.empty()) d.fail(n->loc, "name: must not be empty");
  } else {
    r.name = fmt::format("{}#{}", table, index);
  }
  if (auto mt = m.get("match")) r.match = parse_match(d, *mt);
  int actions = 0;
  for (const char* k : {"proxy", "respond", "files", "redirect", "hub", "hub_api"}) {
    auto a = m.get(k);
    if (!a) continue;
    if (++actions > 1)
      d.fail(a->loc, hub ? "route: give exactly one action (proxy, respond, files, redirect, hub "
                           "or hub_api)"
                         : "route: give exactly one action (proxy, respond, files or redirect)");
    std::string_view key = k;
    if (key == "hub") {
      r.action = parse_hub_action(d, *a);
      continue;
    }
    if (key == "hub_api") {
      r.action = parse_hub_api_action(d, *a, c);
      continue;
    }
    if (key == "proxy") {
      auto p = parse_proxy(d, *a, c, r.match);
      p.route = r.name;
      r.action = std::move(p);
    }
    else if (key == "respond") r.action = parse_respond(d, *a);
    else if (key == "files") r.action = parse_files(d, *a);
    else r.action = parse_redirect(d, *a);
  }
  if (auto cn = m.get("connect")) {
    for (const auto& e : as_seq(d, *cn, "connect")) {
      std::string err;
      auto hp = parse_host_port(as_string(d, e, "connect"), false, &err);
      if (!hp) d.fail(e.loc, "connect: " + err);
      r.connect.push_back(hp->to_string());
    }
    // A CONNECT-only route: other methods get 405.
    if (actions == 0) r.action = RespondAction{405, "only CONNECT here\n"};
  }
  if (actions == 0 && r.connect.empty())
    d.fail(v.loc, "route: needs an action (proxy, respond, files or redirect)");
  if (auto h = m.get("request_headers"))
    parse_header_edits(d, *h, "request_headers", r.request_headers_add, r.request_headers_remove);
  if (auto h = m.get("response_headers"))
    parse_header_edits(d, *h, "response_headers", r.response_headers_add, r.response_headers_remove);
  opt_bool(m, "early_data", r.early_data);
  if (auto f = m.get("filters")) r.filters = parse_filters(d, *f);
  if (auto s = m.get("security")) r.security = parse_route_security(d, *s);
  if (auto cv = m.get("cache")) {
    if (!std::holds_alternative<ProxyAction>(r.action))
      d.fail(cv->loc, "cache: only a proxy route can be cached");
    r.cache = parse_route_cache(d, *cv);
  }
  if (auto e = m.get("early_hints")) r.early_hints = parse_early_hints(d, *e);
  if (auto p = m.get("priority")) r.priority = parse_priority(d, *p);
  return r;
}

}  // namespace

std::string regex_value(const Doc& d, const Val& v, std::string_view what) {
  auto s = as_string(d, v, what);
  RE2::Options opts;
  opts.set_log_errors(false);
  RE2 re(s, opts);
  if (!re.ok()) d.fail(v.loc, fmt::format("{}: invalid regular expression: {}", what, re.error()));
  return s;
}

std::string path_value(const Doc& d, const Val& v, std::string_view what) {
  auto s = as_string(d, v, what);
  if (s.empty() || s.front() != '/') d.fail(v.loc, fmt::format("{}: must start with '/'", what));
  for (char c : s)
    if (static_cast<unsigned char>(c) <= 0x20 || c == 0x7f || c == '?' || c == '#')
      d.fail(v.loc, fmt::format("{}: must not contain spaces, control characters, '?' or '#'", what));
  return s;
}

std::vector<FilterConfig> parse_filters(const Doc& d, const Val& v) {
  std::vector<FilterConfig> out;
  for (const auto& e : as_seq(d, v, "filters")) out.push_back(parse_filter(d, e));
  return out;
}

std::string header_name(const Doc& d, const Val& v, std::string_view what) {
  return header_name_text(d, v.loc, as_string(d, v, what), what);
}

std::string header_name_text(const Doc& d, const Location& loc, std::string s, std::string_view what) {
  bool ok = !s.empty();
  for (auto& c : s) {
    ok = ok && is_tchar(c);
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  if (!ok) d.fail(loc, fmt::format("{}: '{}' is not a valid header name", what, s));
  return s;
}

std::string header_value(const Doc& d, const Val& v, std::string_view what) {
  auto s = as_string(d, v, what);
  for (char c : s)
    if (c == '\r' || c == '\n' || c == '\0')
      d.fail(v.loc, fmt::format("{}: header values must not contain CR, LF or NUL", what));
  return s;
}

void parse_route_tables(const Doc& d, const Val& v, Config& c) {
  MapReader m(d, v, "route_tables");
  for (const auto& e : m.entries()) {
    if (e.key.empty()) d.fail(e.key_loc, "route table names must not be empty");
    std::vector<Route> routes;
    std::unordered_set<std::string> names;
    auto items = as_seq(d, e.value, "route table");
    for (std::size_t i = 0; i < items.size(); ++i) {
      Route r = parse_route(d, items[i], c, e.key, i);
      if (!names.insert(r.name).second)
        d.fail(r.loc, fmt::format("route name '{}' is already used in table '{}'", r.name, e.key));
      routes.push_back(std::move(r));
    }
    c.route_tables.emplace(e.key, std::move(routes));
  }
}

}  // namespace strata::config::detail
