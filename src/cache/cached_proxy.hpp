// The request flow of a cached route (docs/cache.md, "How a request is
// answered"), around Upstreams::proxy:
//  - GET/HEAD: look the key up (Vary-matching variant). Fresh enough for
//    the request -> a hit (Age, Cache-Status; 304 / Range / HEAD answered
//    from the object). Stale within stale-while-revalidate -> served stale,
//    ONE background revalidation per key. Otherwise a conditional request
//    upstream (304 refreshes the object; 500/502/503/504 within
//    stale-if-error -> the stale object). Misses coalesce per key (any
//    worker) and are stored while they stream to the client.
//  - Unsafe methods are forwarded; a 2xx/3xx answer invalidates the target
//    URI and same-origin Location / Content-Location (RFC 9111 4.4).
//  - `private: true`, or no process store: forwarded with
//    Cache-Status "...; fwd=bypass".
//  - Upgrade (WebSocket) and CONNECT requests go to the proxy untouched.
//  - With `compression` (the route's, or else its listener's, compression
//    filter): the variant looked up and stored is the one of the request's
//    negotiated coding (encoded_variant.hpp); a hit from an encoded variant
//    is sent as stored, never encoded again.
// Runs on the exchange's worker thread; the store and coalescer are
// process-wide.
#pragma once
#include <memory>
#include <string_view>

#include <boost/asio/awaitable.hpp>

#include "config/config.hpp"
#include "core/clock.hpp"
#include "http/exchange.hpp"

namespace strata::upstream {
class Upstreams;
}
namespace strata::filter::compression {
class CompressionFilter;
}

namespace strata::cache {

struct CachedRoute {
  const config::ProxyAction* action = nullptr;
  const config::RouteCache* cache = nullptr;
  std::uint64_t storage_limit = 8ull << 20;  // CacheStorage::max_object_bytes
  // Keeps `action` and `cache` alive for background revalidations (the
  // configuration snapshot they point into).
  std::shared_ptr<const void> owner;
  const core::WallClock* clock = &core::SystemWallClock::instance();
  // The compression filter that would encode this route's responses (the
  // route chain's first response_body filter, else the listener's), or
  // null: the cache then stores and serves bodies as the origin sent them.
  std::shared_ptr<const filter::compression::CompressionFilter> compression;
};

boost::asio::awaitable<void> cached_proxy(http::Exchange& ex,
                                          std::shared_ptr<upstream::Upstreams> ups,
                                          const CachedRoute& route, std::string_view prefix);

}  // namespace strata::cache
