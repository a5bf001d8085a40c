// The last-known-good store of the resilience tiers (upstream/resilience/
// lkg_store.hpp) over the edge cache's process-wide Store (docs/cache.md,
// "Last-known-good copies"; docs/resilience.md). Each copy is an Object
// under the key "lkg\n<route>\n<url>" with Object::url the request's URL
// (so /cache/lookup shows it and purges by URL, prefix, tag
// "last-known-good" or all remove it) and no Vary. A copy is served while
// its age is below its freshness lifetime (RFC 9111 4.2, the heuristic
// for Last-Modified; 0 when it states none) plus the route's
// last_known_good.ttl. Per route it keeps at most max_entries copies and
// max_bytes (key + head + body, the old store's measure), least recently
// stored or served out first; a copy over max_bytes / 4 is not kept. The
// Store's own byte bound, admission policy and evictions apply on top;
// every put() counts as an access of the copy's key for W-TinyLFU, so a
// copy is worth as much as its URL is requested. A put() of a response
// with the same status and body as the copy stored less than `refresh`
// ago (default 1 s) only counts as that access: under load a URL's copy
// is rewritten at most once per `refresh` while its content stays.
// Per route: strata_last_known_good_copies{route} and
// strata_last_known_good_bytes{route} (what the per-route index holds) and
// strata_last_known_good_evicted_total{route} (copies dropped by the
// route's max_entries / max_bytes).
// Shared by every worker: thread-safe (one mutex for the per-route index,
// never held during a Store call).
#pragma once
#include <chrono>
#include <cstdint>
#include <functional>
#include <list>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>

#include "cache/store.hpp"
#include "core/clock.hpp"
#include "upstream/resilience/lkg_store.hpp"

namespace strata::obs {
class Counter;
class Gauge;
}  // namespace strata::obs

namespace strata::cache {

class LkgCache final : public upstream::resilience::LkgStore {
 public:
  using StoreSource = std::function<std::shared_ptr<Store>()>;
  // `store`: where copies live, asked on every call (default: the process
  // store, which a reload may replace or release; none -> nothing kept).
  explicit LkgCache(const core::WallClock& clock, StoreSource store = process_store,
                    std::chrono::milliseconds refresh = std::chrono::seconds(1));

  bool put(const upstream::resilience::LkgKey& key, const config::LastKnownGood& cfg,
           upstream::resilience::LkgResponse r) override;
  std::optional<upstream::resilience::LkgResponse> get(const upstream::resilience::LkgKey& key,
                                                       const config::LastKnownGood& cfg) override;

  // The Store key and Object::url of a copy.
  static std::string store_key(const upstream::resilience::LkgKey& key);
  static std::string url_of(const upstream::resilience::LkgKey& key);
  // Copies indexed for `route` and their bytes (the per-route bounds).
  std::size_t size(const std::string& route) const;
  std::uint64_t bytes(const std::string& route) const;

 private:
  struct Entry {
    std::string key;
    std::uint64_t bytes = 0;
    std::uint64_t digest = 0;  // status + body
    WallTime stored{};
  };
  using List = std::list<Entry>;
  struct Route {
    List lru;  // front = most recent
    std::unordered_map<std::string, List::iterator> map;
    std::uint64_t bytes = 0;
    obs::Gauge* copies_gauge = nullptr;
    obs::Gauge* bytes_gauge = nullptr;
    obs::Counter* evicted = nullptr;
  };
  Route& route_locked(const std::string& name);  // mu_ held; created with its metrics
  static void report(Route& r);                  // mu_ held
  void drop(Route& r, List::iterator it);        // mu_ held
  void forget(const std::string& route, const std::string& key);

  const core::WallClock& clock_;
  StoreSource store_;
  std::chrono::milliseconds refresh_;
  mutable std::mutex mu_;
  std::unordered_map<std::string, Route> routes_;
};

}  // namespace strata::cache
