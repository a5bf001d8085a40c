// `strata load` subcommand registration (see tools/load/runner.hpp).
#pragma once

namespace CLI {
class App;
}

namespace strata::app {

// Adds the `load` subcommand to `app`; it runs from its parse callback and
// exits with run_load()'s code (via CLI::RuntimeError when non-zero).
void add_load_command(CLI::App& app);

}  // namespace strata::app
