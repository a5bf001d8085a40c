#include "cache/freshness.hpp"

#include <algorithm>
#include <charconv>
#include <chrono>

#include "http/http_date.hpp"

namespace strata::cache {

using std::chrono::duration_cast;
using std::chrono::seconds;

CacheControl object_cache_control(const Object& o) {
  if (!o.header("surrogate-control")) {  // the usual case: no field copies
    CacheControl cc;
    for (const auto& f : o.headers)
      if (f.name == "cache-control") add_cache_control(cc, f.value);
    return cc;
  }
  http::Headers h;
  for (const auto& f : o.headers)
    if (f.name == "cache-control" || f.name == "surrogate-control") h.add(f.name, f.value);
  return response_cache_control(h);
}

std::optional<WallTime> date_field(const Object& o, std::string_view name) {
  const auto* v = o.header(name);
  if (!v) return std::nullopt;
  auto t = http::parse_http_date_any(*v);
  if (!t) return std::nullopt;
  // Far-future dates (year 9999) would overflow the clock's nanoseconds.
  constexpr std::time_t kMax = std::time_t(1) << 33;  // year 2242
  return std::chrono::system_clock::from_time_t(*t < kMax ? *t : kMax);
}

bool heuristically_cacheable(int s) {
  switch (s) {
    case 200: case 203: case 204: case 206: case 300: case 301: case 308:
    case 404: case 405: case 410: case 414: case 501:
      return true;
    default:
      return false;
  }
}

std::optional<std::int64_t> freshness_lifetime(const Object& o, const CacheControl& cc,
                                               const config::RouteCache& rc) {
  if (cc.s_maxage) return *cc.s_maxage;
  if (cc.max_age) return *cc.max_age;
  const auto date = date_field(o, "date").value_or(o.response_time);
  if (o.header("expires")) {
    auto exp = date_field(o, "expires");
    if (!exp) return 0;
    return std::max<std::int64_t>(0, duration_cast<seconds>(*exp - date).count());
  }
  if (rc.ttl) return duration_cast<seconds>(*rc.ttl).count();
  if (rc.heuristic && heuristically_cacheable(o.status)) {
    if (auto lm = date_field(o, "last-modified"); lm && *lm < date) {
      const auto tenth = duration_cast<seconds>(date - *lm).count() / 10;
      return std::min<std::int64_t>(tenth, duration_cast<seconds>(rc.heuristic_max).count());
    }
  }
  return std::nullopt;
}

std::int64_t current_age(const Object& o, WallTime now) {
  // Age (RFC 9111 5.1): one line of delta-seconds. Several lines (or a
  // value joined from several: ", "), a sign, spaces or letters make it
  // invalid, and an invalid Age makes the response stale; digits up to a
  // ',', ';' or '.' are read as the value (what http-cache-tests expects).
  std::int64_t age_value = 0;
  int lines = 0;
  bool invalid = false;
  for (const auto& f : o.headers) {
    if (f.name != "age") continue;
    if (++lines > 1) invalid = true;
    std::string_view a = f.value;
    std::size_t n = 0;
    while (n < a.size() && a[n] >= '0' && a[n] <= '9') ++n;
    if (n == 0 || (n < a.size() && a[n] != ',' && a[n] != ';' && a[n] != '.') ||
        a.find(", ") != std::string_view::npos)
      invalid = true;
    else if (n > 10) age_value = std::int64_t(1) << 31;
    else std::from_chars(a.data(), a.data() + n, age_value);
  }
  if (invalid) age_value = std::int64_t(1) << 31;
  const auto date = date_field(o, "date").value_or(o.response_time);
  const auto apparent = std::max<std::int64_t>(0, duration_cast<seconds>(o.response_time - date).count());
  const auto delay = std::max<std::int64_t>(0, duration_cast<seconds>(o.response_time - o.request_time).count());
  const auto initial = std::max(apparent, age_value + delay);
  const auto resident = std::max<std::int64_t>(0, duration_cast<seconds>(now - o.response_time).count());
  return initial + resident;
}

namespace {
bool revalidation_required(const CacheControl& cc) {
  return cc.must_revalidate || cc.proxy_revalidate || cc.s_maxage || cc.no_cache;
}
}  // namespace

std::int64_t stale_while_revalidate_s(const CacheControl& cc, const config::RouteCache& rc) {
  if (revalidation_required(cc)) return 0;
  if (cc.stale_while_revalidate) return *cc.stale_while_revalidate;
  return duration_cast<seconds>(rc.stale_while_revalidate).count();
}

std::int64_t stale_if_error_s(const CacheControl& cc, const config::RouteCache& rc) {
  if (revalidation_required(cc)) return 0;
  if (cc.stale_if_error) return *cc.stale_if_error;
  return duration_cast<seconds>(rc.stale_if_error).count();
}

}  // namespace strata::cache
