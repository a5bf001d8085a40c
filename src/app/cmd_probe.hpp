// `strata probe` subcommand registration (see tools/probe/probe.hpp).
#pragma once

namespace CLI {
class App;
}

namespace strata::app {

// Adds the `probe` subcommand; it runs from its parse callback and exits
// with run_probe()'s code (via CLI::RuntimeError when non-zero).
void add_probe_command(CLI::App& app);

}  // namespace strata::app
