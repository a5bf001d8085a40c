// The edge cache's request counters (docs/cache.md, "Metrics"), process
// wide, no labels: strata_cache_hits_total, _misses_total, _stale_total
// (stale answers: stale-while-revalidate and stale-if-error),
// _revalidations_total (conditional requests sent upstream, foreground and
// background), _coalesced_total (requests that waited for another's miss).
#pragma once
#include "obs/metrics.hpp"

namespace strata::cache {

struct RequestMetrics {
  obs::Counter& hits;
  obs::Counter& misses;
  obs::Counter& stale;
  obs::Counter& revalidations;
  obs::Counter& coalesced;
  static RequestMetrics& get();
};

}  // namespace strata::cache
