#include "cache/cache_control.hpp"

#include <charconv>
#include <string>

namespace strata::cache {

namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// Delta-seconds (RFC 9111 1.2.2); malformed -> 0; overflow -> 2^31.
std::int64_t delta_seconds(std::string_view v) {
  if (v.size() >= 2 && v.front() == '"' && v.back() == '"') v = v.substr(1, v.size() - 2);
  if (v.empty()) return 0;
  for (char c : v)
    if (c < '0' || c > '9') return 0;
  if (v.size() > 10) return std::int64_t(1) << 31;
  std::int64_t n = 0;
  std::from_chars(v.data(), v.data() + v.size(), n);
  return n > (std::int64_t(1) << 31) ? std::int64_t(1) << 31 : n;
}

void set_once(std::optional<std::int64_t>& slot, std::string_view v) {
  if (!slot) slot = delta_seconds(v);
}

void apply(CacheControl& cc, std::string_view value) {
  std::size_t i = 0;
  while (i <= value.size()) {
    // One directive: up to a comma outside quotes.
    std::size_t j = i;
    bool quoted = false;
    for (; j < value.size(); ++j) {
      if (value[j] == '"') quoted = !quoted;
      else if (value[j] == ',' && !quoted) break;
    }
    auto item = trim(value.substr(i, j - i));
    i = j + 1;
    if (item.empty()) continue;
    std::string_view name = item, arg;
    bool has_arg = false;
    if (auto eq = item.find('='); eq != std::string_view::npos) {
      name = trim(item.substr(0, eq));
      arg = trim(item.substr(eq + 1));
      has_arg = true;
    }
    const std::string n = http::to_lower(name);
    if (n == "max-age") set_once(cc.max_age, arg);
    else if (n == "s-maxage") set_once(cc.s_maxage, arg);
    else if (n == "min-fresh") set_once(cc.min_fresh, arg);
    else if (n == "stale-while-revalidate") set_once(cc.stale_while_revalidate, arg);
    else if (n == "stale-if-error") set_once(cc.stale_if_error, arg);
    else if (n == "max-stale") {
      if (has_arg) set_once(cc.max_stale, arg);
      else cc.max_stale_any = true;
    } else if (n == "no-cache") cc.no_cache = true;
    else if (n == "no-store") cc.no_store = true;
    else if (n == "no-transform") cc.no_transform = true;
    else if (n == "only-if-cached") cc.only_if_cached = true;
    else if (n == "must-revalidate") cc.must_revalidate = true;
    else if (n == "proxy-revalidate") cc.proxy_revalidate = true;
    else if (n == "must-understand") cc.must_understand = true;
    else if (n == "public") cc.is_public = true;
    else if (n == "private") cc.is_private = true;
    else if (n == "immutable") cc.immutable = true;
  }
}

}  // namespace

CacheControl parse_cache_control(std::string_view value) {
  CacheControl cc;
  apply(cc, value);
  return cc;
}

CacheControl parse_cache_control(const http::Headers& h) {
  CacheControl cc;
  for (const auto& f : h)
    if (f.name == "cache-control") apply(cc, f.value);
  return cc;
}

bool pragma_no_cache(const http::Headers& h) {
  if (h.has("cache-control")) return false;
  for (const auto& f : h)
    if (f.name == "pragma" && http::to_lower(f.value).find("no-cache") != std::string::npos)
      return true;
  return false;
}

}  // namespace strata::cache
