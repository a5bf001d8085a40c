#include "app/cmd_probe.hpp"

#include <memory>

#include <CLI/CLI.hpp>

#include "tools/probe/probe.hpp"

namespace strata::app {

void add_probe_command(CLI::App& app) {
  auto opt = std::make_shared<tools::probe::ProbeOptions>();
  auto h1 = std::make_shared<bool>(false);
  auto h2 = std::make_shared<bool>(false);
  auto h3 = std::make_shared<bool>(false);
  auto* cmd = app.add_subcommand("probe", "Per-phase request timing with a diagnosis (h1/h2/h3)");
  cmd->add_option("url", opt->url, "http:// or https:// URL")->required();
  cmd->add_option("-n,--count", opt->count, "Repeat N times (min/median/max)")->capture_default_str();
  cmd->add_flag("--h1", *h1, "Force HTTP/1.1");
  cmd->add_flag("--h2", *h2, "Force HTTP/2 (prior knowledge h2c for http://)");
  cmd->add_flag("--h3", *h3, "HTTP/3 over QUIC (https:// URLs; -n > 1 shows 0-RTT resumption)");
  cmd->add_option("-H,--header", opt->headers, "Extra header 'Name: value' (repeatable)");
  cmd->add_option("--timeout", opt->timeout_s, "Per-attempt timeout, s")->capture_default_str();
  cmd->add_flag("--json", opt->json, "JSON report");
  auto& th = opt->thresholds;
  cmd->add_option("--slow-dns", th.slow_dns_ms, "Slow DNS threshold, ms")->capture_default_str();
  cmd->add_option("--slow-connect", th.slow_connect_ms, "Slow TCP connect threshold, ms")
      ->capture_default_str();
  cmd->add_option("--slow-tls", th.slow_tls_ms, "Slow TLS handshake threshold, ms")
      ->capture_default_str();
  cmd->add_option("--server-processing", th.server_processing_ms,
                  "Server processing threshold (wait minus connect RTT), ms")
      ->capture_default_str();
  cmd->add_option("--slow-transfer", th.slow_transfer_ms, "Slow transfer threshold, ms")
      ->capture_default_str();
  cmd->callback([opt, h1, h2, h3] {
    if (int(*h1) + int(*h2) + int(*h3) > 1) throw CLI::ValidationError("--h1/--h2/--h3", "choose one");
    opt->protocol = *h1   ? tools::probe::Proto::h1
                    : *h2 ? tools::probe::Proto::h2
                    : *h3 ? tools::probe::Proto::h3
                          : tools::probe::Proto::automatic;
    const int rc = tools::probe::run_probe(*opt);
    if (rc != 0) throw CLI::RuntimeError(rc);
  });
}

}  // namespace strata::app
