// `strata load`: runs the load described by LoadOptions and prints the report
// (text or JSON) to stdout. Blocks until done. Connections are spread
// round-robin over -t threads, each with its own io_context.
#pragma once
#include "tools/load/options.hpp"

namespace strata::tools::load {

// Returns the process exit code: 0 when at least one request succeeded and
// the run completed, 1 on a usage error (message on stderr), 2 when nothing
// succeeded.
int run_load(const LoadOptions& opt);

}  // namespace strata::tools::load
