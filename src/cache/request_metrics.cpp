#include "cache/request_metrics.hpp"

namespace strata::cache {

RequestMetrics& RequestMetrics::get() {
  static RequestMetrics m{
      obs::counter("strata_cache_hits_total", "Requests answered from the edge cache"),
      obs::counter("strata_cache_misses_total", "Cacheable requests with no stored response"),
      obs::counter("strata_cache_stale_total",
                   "Stale answers (stale-while-revalidate, stale-if-error)"),
      obs::counter("strata_cache_revalidations_total",
                   "Conditional requests sent upstream to revalidate a stored response"),
      obs::counter("strata_cache_coalesced_total",
                   "Requests that waited for another request's miss (coalescing)")};
  return m;
}

}  // namespace strata::cache
