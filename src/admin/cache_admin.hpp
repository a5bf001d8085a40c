// The edge cache's admin endpoints (docs/cache.md "Purging" and "Admin
// API"), served by the admin listener's handler (admin_handler.cpp) behind
// its auth (admin.auth, admin/admin_auth.hpp, checked before these):
//   POST /cache/purge   body {"tags":[..],"urls":[..],"prefixes":[..],"all":bool,"soft":bool}
//                       (cache/purge.hpp) -> 200 {"purged":N,"tags":n,"urls":n,"prefixes":n,"all":n,
//                       "soft":b,"broadcast":{"channel":C,"ok":b,"receivers":n[,"error":E]}|null}
//                       applied to this node's store, then published to the other nodes when the
//                       purge bus runs (cache/purge_bus.hpp); 400 {"error":..} for a bad body,
//                       413 over 1 MiB
//   GET /cache/lookup?url=U   {"url":U,"objects":[{key,url,status,vary,tags,invalidated,..},..]}
//                             every stored object (memory and disk) whose url equals U
//   GET /cache/tags[?limit=N] {"tags":[{"tag":T,"objects":n},..]} by count, N default 100 (max 10000)
//   GET /cache/stats          {"enabled":b,"objects":..,"bytes":..,"disk_objects":..,"disk_bytes":..,
//                             "evictions":..,"rejected":..,"purged":..,"purge_bus":{..}|null}
// Without a store (no cached route, so no purge bus either): lookup and
// tags answer 404, stats {"enabled":false,..}, purge counts 0.
// Wrong method: 405 with Allow. Thread: the exchange's worker.
#pragma once
#include <string_view>

#include <boost/asio/awaitable.hpp>

namespace strata::http {
class Exchange;
}

namespace strata::admin {

// True for the paths serve_cache_admin() answers (/cache/...).
bool is_cache_admin_path(std::string_view path);

// Answers one of those paths (any method); always finishes the exchange.
boost::asio::awaitable<void> serve_cache_admin(http::Exchange& ex);

}  // namespace strata::admin
