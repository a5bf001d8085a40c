// The edge cache's request counters (docs/cache.md, "Metrics"), process
// wide, no labels: strata_cache_hits_total, _misses_total, _stale_total
// (stale answers: stale-while-revalidate and stale-if-error),
// _revalidations_total (conditional requests sent upstream, foreground and
// background), _coalesced_total (requests that waited for another's miss),
// and strata_cache_encoded_hits_total{coding} (hits and stale answers
// served from a stored encoded variant: no compression work).
#pragma once
#include <string_view>

#include "obs/metrics.hpp"

namespace strata::cache {

struct RequestMetrics {
  obs::Counter& hits;
  obs::Counter& misses;
  obs::Counter& stale;
  obs::Counter& revalidations;
  obs::Counter& coalesced;
  obs::Counter& encoded_hits_zstd;
  obs::Counter& encoded_hits_br;
  obs::Counter& encoded_hits_gzip;
  // Counts one hit served from an encoded variant of `coding` ("zstd",
  // "br", "gzip"); nothing for any other value.
  void encoded_hit(std::string_view coding);
  static RequestMetrics& get();
};

}  // namespace strata::cache
