#include "cache/verdict.hpp"

#include <algorithm>

#include "cache/freshness.hpp"

namespace strata::cache {

Verdict judge(const Object& o, const CacheControl& req_cc, bool req_no_cache,
              const config::RouteCache& rc, WallTime now) {
  Verdict v;
  const auto occ = object_cache_control(o);
  v.age = current_age(o, now);
  v.ttl = freshness_lifetime(o, occ, rc).value_or(0) - v.age;
  const bool must = occ.must_revalidate || occ.proxy_revalidate || occ.s_maxage.has_value();
  const bool revalidate_always = occ.no_cache || o.invalidated || req_no_cache;
  const bool too_old = req_cc.max_age && v.age > *req_cc.max_age;
  bool ok = v.ttl > 0 && !too_old;
  if (req_cc.min_fresh && v.ttl < *req_cc.min_fresh) ok = false;
  if (!ok && v.ttl <= 0 && !must && !too_old &&
      (req_cc.max_stale_any || (req_cc.max_stale && -v.ttl <= *req_cc.max_stale)))
    ok = true;  // the client accepts this much staleness
  v.usable = ok && !revalidate_always;
  auto stale_by = -v.ttl;
  if (o.invalidated) stale_by = std::max<std::int64_t>(stale_by, 0);
  const auto swr = stale_while_revalidate_s(occ, rc);
  v.swr = !v.usable && !req_no_cache && !req_cc.max_age && !req_cc.min_fresh && swr > 0 &&
          stale_by >= 0 && stale_by <= swr;
  const auto sie = std::max(stale_if_error_s(occ, rc),
                            must ? std::int64_t(0) : req_cc.stale_if_error.value_or(0));
  v.sie = sie > 0 && stale_by <= sie;
  return v;
}

}  // namespace strata::cache
