#include "io/edge_read.hpp"

#include "obs/metrics.hpp"

namespace strata::io {

namespace {
obs::Counter& would_block() {
  static obs::Counter& c = obs::counter(
      "strata_io_read_would_block_total",
      "Socket reads (plain TCP, EdgeReadBuffer) that returned EAGAIN: tried before the bytes were there");
  return c;
}
// Registered at start-up so the metric shows from the first scrape.
[[maybe_unused]] const bool registered = (would_block(), true);
}  // namespace

void note_read_would_block() { would_block().inc(); }

unsigned long long read_would_block_count() { return would_block().value(); }

}  // namespace strata::io
