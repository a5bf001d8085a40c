// Worker processes of `strata load --hub ws|sse`: one process may hold only
// as many sockets as its open-file limit (20,000 here), so N subscribers
// are split over K copies of this binary (re-executed from /proc/self/exe
// with the same arguments plus `--worker I/K/DIR`). Each worker takes the
// global connection indexes [N*I/K, N*(I+1)/K), writes DIR/wI.ready once
// its share is connected and prints a JSON report with histogram buckets to
// DIR/wI.json; the parent writes --ready-file when all are ready, forwards
// SIGINT/SIGTERM, and merges the reports into one (exact percentiles).
#pragma once
#include "tools/load/hub_options.hpp"

namespace strata::tools::load {

// Spawns `k` workers for `o`, waits, prints the merged report; returns the
// exit code like run_hub_load.
int run_hub_workers(const HubOptions& o, unsigned k);

}  // namespace strata::tools::load
