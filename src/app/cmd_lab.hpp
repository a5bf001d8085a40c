// `strata lab` subcommand registration (see tools/lab/lab.hpp).
#pragma once

namespace CLI {
class App;
}

namespace strata::app {

// Adds the `lab` subcommand; it runs from its parse callback and exits
// with run_lab()'s code (via CLI::RuntimeError when non-zero).
void add_lab_command(CLI::App& app);

}  // namespace strata::app
