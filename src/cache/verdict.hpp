// How a stored response stands against a request (RFC 9111 4.2, 4.2.4,
// RFC 5861): usable as it is, servable stale while one revalidation runs,
// servable stale if the origin fails. Pure; thread-safe.
#pragma once
#include <cstdint>

#include "cache/cache_control.hpp"
#include "cache/object.hpp"
#include "config/cache.hpp"

namespace strata::cache {

struct Verdict {
  std::int64_t age = 0;   // current age, seconds
  std::int64_t ttl = 0;   // lifetime - age (negative: stale by that much)
  bool usable = false;    // may answer without contacting the origin
  bool swr = false;       // may answer stale while one revalidation runs
  bool sie = false;       // may answer stale if the origin fails
};

// `req_cc` / `req_no_cache`: the request's directives (no-cache also from
// Pragma). Usable: fresh (ttl > 0) within the request's max-age and
// min-fresh, or stale within its max-stale unless the response forbids
// serving stale (must-revalidate, proxy-revalidate, s-maxage); never with
// no-cache on either side or a soft-purged object. A soft-purged object
// counts as stale by at least 0 s for the stale windows.
Verdict judge(const Object& o, const CacheControl& req_cc, bool req_no_cache,
              const config::RouteCache& rc, WallTime now);

}  // namespace strata::cache
