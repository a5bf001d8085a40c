#include "cache/conditional.hpp"

#include "cache/encoded_variant.hpp"
#include "http/http_date.hpp"

namespace strata::cache {

namespace {

std::string_view opaque(std::string_view etag) {
  while (!etag.empty() && (etag.front() == ' ' || etag.front() == '\t')) etag.remove_prefix(1);
  while (!etag.empty() && (etag.back() == ' ' || etag.back() == '\t')) etag.remove_suffix(1);
  if (etag.substr(0, 2) == "W/") etag.remove_prefix(2);
  // Unquoted tags (not RFC syntax, seen in the wild) compare by content.
  if (etag.size() >= 2 && etag.front() == '"' && etag.back() == '"')
    etag = etag.substr(1, etag.size() - 2);
  return etag;
}

bool etag_list_matches(std::string_view list, std::string_view etag) {
  const auto want = opaque(etag);
  while (true) {
    auto c = list.find(',');
    auto item = opaque(list.substr(0, c));
    if (item == "*" || (!item.empty() && item == want)) return true;
    if (c == std::string_view::npos) return false;
    list.remove_prefix(c + 1);
  }
}

}  // namespace

bool never_stored(std::string_view n) {
  return n == "connection" || n == "keep-alive" || n == "proxy-connection" ||
         n == "transfer-encoding" || n == "upgrade" || n == "te" || n == "trailer" ||
         n == "proxy-authenticate" || n == "proxy-authorization";
}

bool is_conditional(const http::Headers& req) {
  return req.has("if-none-match") || req.has("if-modified-since");
}

bool not_modified(const http::Headers& req, const Object& o) {
  if (req.has("if-none-match")) {
    const std::string etag = object_etag(o);  // the representation's
    const auto list = req.joined("if-none-match");
    if (etag.empty()) return opaque(list) == "*";
    return etag_list_matches(list, etag);
  }
  if (auto ims = req.get("if-modified-since")) {
    auto since = http::parse_http_date_any(*ims);
    if (!since) return false;
    const auto* lm = o.header("last-modified");
    if (!lm) lm = o.header("date");
    if (!lm) return false;
    auto t = http::parse_http_date_any(*lm);
    return t && *t <= *since;
  }
  return false;
}

void strip_conditionals(http::Headers& req) {
  for (auto n : {"if-none-match", "if-modified-since", "if-match", "if-unmodified-since",
                 "if-range", "range"})
    req.remove(n);
}

void add_validators(http::Headers& req, const Object& o) {
  if (const auto* e = o.header("etag")) req.set("if-none-match", *e);  // as the origin spelled it
  if (const auto* lm = o.header("last-modified")) req.set("if-modified-since", *lm);
}

Object updated_by_304(const Object& old, const http::Headers& h304, WallTime request_time,
                      WallTime response_time) {
  Object n = old;
  // An encoded variant keeps its Vary (it names Accept-Encoding, which the
  // origin's 304 does not know about).
  const bool encoded = !variant_coding(old).empty();
  auto skip = [encoded](std::string_view name) {
    return never_stored(name) || name == "content-length" || name == "content-encoding" ||
           name == "cache-status" || name == "content-range" || name == "content-md5" ||
           name == "etag" || (encoded && (name == "vary" || name == "accept-ranges"));
  };
  // Names the 304 carries replace every stored line of that name.
  std::vector<Field> merged;
  merged.reserve(old.headers.size() + h304.size());
  for (const auto& f : old.headers) {
    bool replaced = !skip(f.name) && h304.has(f.name);
    if (!replaced) merged.push_back(f);
  }
  for (const auto& f : h304)
    if (!skip(f.name)) merged.push_back({std::string(f.name), std::string(f.value)});
  n.headers = std::move(merged);
  n.request_time = request_time;
  n.response_time = response_time;
  n.invalidated = false;
  return n;
}

}  // namespace strata::cache
