#include "cache/request_metrics.hpp"

namespace strata::cache {

namespace {
constexpr const char* kEncodedHelp =
    "Cache hits served from a stored encoded variant (not compressed again), by content coding";
}

RequestMetrics& RequestMetrics::get() {
  static RequestMetrics m{
      obs::counter("strata_cache_hits_total", "Requests answered from the edge cache"),
      obs::counter("strata_cache_misses_total", "Cacheable requests with no stored response"),
      obs::counter("strata_cache_stale_total",
                   "Stale answers (stale-while-revalidate, stale-if-error)"),
      obs::counter("strata_cache_revalidations_total",
                   "Conditional requests sent upstream to revalidate a stored response"),
      obs::counter("strata_cache_coalesced_total",
                   "Requests that waited for another request's miss (coalescing)"),
      obs::counter("strata_cache_encoded_hits_total", kEncodedHelp, {{"coding", "zstd"}}),
      obs::counter("strata_cache_encoded_hits_total", kEncodedHelp, {{"coding", "br"}}),
      obs::counter("strata_cache_encoded_hits_total", kEncodedHelp, {{"coding", "gzip"}})};
  return m;
}

void RequestMetrics::encoded_hit(std::string_view coding) {
  if (coding == "zstd") encoded_hits_zstd.inc();
  else if (coding == "br") encoded_hits_br.inc();
  else if (coding == "gzip") encoded_hits_gzip.inc();
}

}  // namespace strata::cache
