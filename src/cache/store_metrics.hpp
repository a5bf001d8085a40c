// Internal to the store: the store's gauges and counters in the global
// metrics registry (docs/cache.md, "Metrics"). Only the process store
// (set_process_store) publishes into them, so stores made by tests and
// benches do not. Any thread.
#pragma once
#include <cstdint>

#include "obs/metrics.hpp"

namespace strata::cache {
class Store;
}

namespace strata::cache::detail {

// Turns publishing into the metrics below on or off for a store made by
// Store::create / create_store (process_store.cpp); null is ignored.
void set_publishing(Store* s, bool on);

struct StoreMetrics {
  obs::Gauge& objects = obs::gauge("strata_cache_objects", "Objects in the cache's memory tier");
  obs::Gauge& bytes = obs::gauge("strata_cache_bytes", "Bytes charged in the cache's memory tier");
  obs::Gauge& disk_objects = obs::gauge("strata_cache_disk_objects", "Objects in the cache's disk tier");
  obs::Gauge& disk_bytes = obs::gauge("strata_cache_disk_bytes", "Bytes in the cache's disk tier");
  obs::Counter& evictions =
      obs::counter("strata_cache_evictions_total", "Objects evicted from the cache's memory tier for space");
  obs::Counter& rejected = obs::counter(
      "strata_cache_rejected_total", "Objects the cache refused (too large, or not admitted by the policy)");

  void set_memory(std::uint64_t n, std::uint64_t b) {
    objects.set(static_cast<std::int64_t>(n));
    bytes.set(static_cast<std::int64_t>(b));
  }
  void set_disk(std::uint64_t n, std::uint64_t b) {
    disk_objects.set(static_cast<std::int64_t>(n));
    disk_bytes.set(static_cast<std::int64_t>(b));
  }
  static StoreMetrics& get() {
    static StoreMetrics m;
    return m;
  }
};

}  // namespace strata::cache::detail
