// Last-known-good responses for graceful degradation (topic 21,
// docs/resilience.md): the most recent complete 200 response to a GET, per
// route and URL, kept for the route's `last_known_good.ttl` beyond its
// freshness and served when every live tier failed.
//
// upstream/ knows the store only through this interface: the edge cache
// implements it over its process-wide Store (cache/lkg_cache.hpp: shared by
// every worker, byte-bounded, visible in /cache/lookup, purgeable), and
// server/ installs it with set_lkg_store(). Without an installed store the
// last-known-good tier never answers. Implementations are thread-safe
// (every worker calls them).
#pragma once
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "config/config.hpp"
#include "http/message.hpp"

namespace strata::upstream::resilience {

struct LkgResponse {
  int status = 200;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
};

// Which copy: the route (ProxyAction::route) and the request's URL parts.
struct LkgKey {
  std::string_view route;
  std::string_view scheme;     // "" means "http"
  std::string_view authority;
  std::string_view target;     // path and query
};

// The key of a request on a route (views into both).
inline LkgKey lkg_key(const http::Request& r, const config::ProxyAction& a) {
  return LkgKey{a.route, r.scheme, r.authority, r.target};
}

class LkgStore {
 public:
  virtual ~LkgStore() = default;
  // Largest response (key + head + body bytes) put() keeps for a route
  // with `cfg`: cfg.max_bytes / 4.
  static std::uint64_t max_item_bytes(const config::LastKnownGood& cfg) { return cfg.max_bytes / 4; }
  // Stores (replacing) the copy for `key`; false when it is not kept (too
  // large, refused by the store, no store). Bounded per route by
  // cfg.max_entries and cfg.max_bytes (least recently stored or served
  // first out).
  virtual bool put(const LkgKey& key, const config::LastKnownGood& cfg, LkgResponse r) = 0;
  // A copy still within its freshness + cfg.ttl, or nullopt (an expired
  // copy is dropped on the way).
  virtual std::optional<LkgResponse> get(const LkgKey& key, const config::LastKnownGood& cfg) = 0;
};

// The process's store (null until server/ installs one). Thread-safe.
std::shared_ptr<LkgStore> lkg_store();
void set_lkg_store(std::shared_ptr<LkgStore> s);

}  // namespace strata::upstream::resilience
