#include "app/cmd_lab.hpp"

#include <memory>

#include <CLI/CLI.hpp>

#include "tools/lab/lab.hpp"

namespace strata::app {

void add_lab_command(CLI::App& app) {
  auto o = std::make_shared<tools::lab::LabOptions>();
  auto* cmd = app.add_subcommand(
      "lab", "Experiments on the source's claims in network namespaces (root): handshake, hol, migration, breaker");
  cmd->add_option("name", o->name, "Experiment: handshake | hol | migration | breaker")->required();
  cmd->add_option("--rtt", o->rtt_ms, "Added round-trip time, ms")->capture_default_str();
  cmd->add_option("--rtt2", o->rtt2_ms, "hol: the second round-trip time, ms")->capture_default_str();
  cmd->add_option("--losses", o->losses, "hol: packet loss percentages, comma-separated")->capture_default_str();
  cmd->add_option("--repeat", o->repeat, "Repetitions per variant (breaker: windows per phase - 1)")->capture_default_str();
  cmd->add_option("--svg", o->svg, "Chart file (default: NAME.svg)");
  cmd->add_flag("--json", o->json, "JSON output");
  cmd->callback([o] {
    const int rc = tools::lab::run_lab(*o);
    if (rc != 0) throw CLI::RuntimeError(rc);
  });
}

}  // namespace strata::app
