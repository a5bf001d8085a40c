#include "cache/cache_control.hpp"

#include <charconv>
#include <string>
#include <string_view>

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
      name = item.substr(0, eq);
      arg = item.substr(eq + 1);
      if (name != trim(name) || arg != trim(arg)) continue;  // "max-age = 5": not a directive
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
    } else if (n == "no-cache" || n == "private") {
      std::string_view list = arg;
      if (list.size() >= 2 && list.front() == '"' && list.back() == '"')
        list = list.substr(1, list.size() - 2);
      if (!has_arg || trim(list).empty()) {
        (n == "no-cache" ? cc.no_cache : cc.is_private) = true;
        continue;
      }
      while (true) {
        auto c = list.find(',');
        auto f = trim(list.substr(0, c));
        if (!f.empty()) cc.omit_fields.push_back(http::to_lower(f));
        if (c == std::string_view::npos) break;
        list.remove_prefix(c + 1);
      }
    } else if (n == "no-store") cc.no_store = true;
    else if (n == "no-transform") cc.no_transform = true;
    else if (n == "only-if-cached") cc.only_if_cached = true;
    else if (n == "must-revalidate") cc.must_revalidate = true;
    else if (n == "proxy-revalidate") cc.proxy_revalidate = true;
    else if (n == "must-understand") cc.must_understand = true;
    else if (n == "public") cc.is_public = true;
    else if (n == "immutable") cc.immutable = true;
  }
}

}  // namespace

void add_cache_control(CacheControl& cc, std::string_view value) { apply(cc, value); }

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

CacheControl response_cache_control(const http::Headers& h) {
  CacheControl cc = parse_cache_control(h);
  if (!h.has("surrogate-control")) return cc;
  // Strip ";target" from each directive, then parse as Cache-Control.
  std::string sc;
  for (const auto& f : h) {
    if (f.name != "surrogate-control") continue;
    std::string_view v = f.value;
    while (!v.empty()) {
      auto c = v.find(',');
      auto item = v.substr(0, c);
      item = item.substr(0, item.find(';'));
      if (auto plus = item.find('+'); plus != std::string_view::npos) item = item.substr(0, plus);
      if (!sc.empty()) sc += ',';
      sc += item;
      if (c == std::string_view::npos) break;
      v.remove_prefix(c + 1);
    }
  }
  const auto s = parse_cache_control(std::string_view(sc));
  cc.no_store = s.no_store;
  cc.is_private = false;
  if (s.max_age) {
    cc.max_age = s.max_age;
    cc.s_maxage.reset();
  }
  return cc;
}

}  // namespace strata::cache
