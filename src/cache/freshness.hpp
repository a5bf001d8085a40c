// RFC 9111 4.2: a stored response's freshness lifetime (explicit, the
// route's ttl, or the 4.2.2 heuristic) and its current age (4.2.3). Pure
// functions of the object, its Cache-Control and the wall-clock time;
// thread-safe.
#pragma once
#include <cstdint>
#include <optional>

#include "cache/cache_control.hpp"
#include "cache/object.hpp"
#include "config/cache.hpp"

namespace strata::cache {

// Directives of a stored response (response_cache_control: Cache-Control
// with Surrogate-Control applied).
CacheControl object_cache_control(const Object& o);

// An HTTP-date field of `o` as a time, nullopt when absent or invalid.
std::optional<WallTime> date_field(const Object& o, std::string_view name);

// True for the statuses RFC 9110 15.1 calls heuristically cacheable.
bool heuristically_cacheable(int status);

// Freshness lifetime in seconds (shared cache: s-maxage, then max-age, then
// Expires - Date, then the route's ttl, then the heuristic: 10% of
// Date - Last-Modified, at most heuristic_max, for heuristically cacheable
// statuses when the route allows it). nullopt: the response states none
// and no rule gives one. An invalid Expires counts as already expired (0).
std::optional<std::int64_t> freshness_lifetime(const Object& o, const CacheControl& cc,
                                               const config::RouteCache& rc);

// Current age in seconds (RFC 9111 4.2.3) at `now`.
std::int64_t current_age(const Object& o, WallTime now);

// The seconds after expiry during which `o` may be served stale while it
// is revalidated in the background / when the origin fails: the
// response's directive, else the route's default; 0 when forbidden
// (must-revalidate, proxy-revalidate, s-maxage, no-cache).
std::int64_t stale_while_revalidate_s(const CacheControl& cc, const config::RouteCache& rc);
std::int64_t stale_if_error_s(const CacheControl& cc, const config::RouteCache& rc);

}  // namespace strata::cache
