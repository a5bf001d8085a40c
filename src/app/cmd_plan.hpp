// `strata plan` subcommand registration (see tools/plan/plan.hpp).
#pragma once

namespace CLI {
class App;
}

namespace strata::app {

// Adds the `plan` subcommand; it runs from its parse callback and exits
// with run_plan()'s code (via CLI::RuntimeError when non-zero).
void add_plan_command(CLI::App& app);

}  // namespace strata::app
