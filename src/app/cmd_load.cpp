#include "app/cmd_load.hpp"

#include <memory>

#include <CLI/CLI.hpp>

#include "tools/load/runner.hpp"

namespace strata::app {

void add_load_command(CLI::App& app) {
  auto opt = std::make_shared<tools::load::LoadOptions>();
  auto h1 = std::make_shared<bool>(false);
  auto h2 = std::make_shared<bool>(false);
  auto h3 = std::make_shared<bool>(false);
  auto* cmd = app.add_subcommand("load", "HTTP load generator (h2load-like) for h1/h2/h3");
  cmd->add_option("url", opt->urls, "Target URL(s); requests rotate over them")->required();
  cmd->add_option("-n,--requests", opt->requests, "Number of requests");
  cmd->add_option("-D,--duration", opt->duration_s, "Duration in seconds (instead of -n)");
  cmd->add_option("-c,--connections", opt->connections, "Connections")->capture_default_str();
  cmd->add_option("-m,--streams", opt->streams,
                  "Concurrent streams per connection (h2/h3) / pipelining depth (h1)")
      ->capture_default_str();
  cmd->add_option("-t,--threads", opt->threads, "Threads")->capture_default_str();
  cmd->add_flag("--h1", *h1, "Force HTTP/1.1");
  cmd->add_flag("--h2", *h2, "Force HTTP/2 (prior knowledge h2c for http://)");
  cmd->add_flag("--h3", *h3, "HTTP/3 over QUIC (https:// URLs; 0-RTT on reconnects)");
  cmd->add_option("-H,--header", opt->headers, "Extra header 'Name: value' (repeatable)");
  cmd->add_option("-d,--data", opt->body_file, "POST this file's contents");
  cmd->add_option("--rate", opt->rate,
                  "Open loop: total requests/s, latency from the intended send time");
  cmd->add_option("--warmup", opt->warmup_s, "Seconds not measured at the start (with -D)");
  cmd->add_option("--timeout", opt->timeout_s, "Per-request timeout, s")->capture_default_str();
  cmd->add_option("--connect-timeout", opt->connect_timeout_s, "Connect+handshake timeout, s")
      ->capture_default_str();
  cmd->add_flag("--verify", opt->verify_tls, "Verify TLS certificates (default: insecure)");
  cmd->add_flag("--insecure{false}", opt->verify_tls, "Do not verify certificates (the default)");
  cmd->add_flag("--json", opt->json, "JSON report");
  cmd->callback([opt, h1, h2, h3] {
    if (int(*h1) + int(*h2) + int(*h3) > 1) throw CLI::ValidationError("--h1/--h2/--h3", "choose one");
    opt->protocol = *h1   ? tools::load::ProtocolChoice::h1
                    : *h2 ? tools::load::ProtocolChoice::h2
                    : *h3 ? tools::load::ProtocolChoice::h3
                          : tools::load::ProtocolChoice::automatic;
    const int rc = tools::load::run_load(*opt);
    if (rc != 0) throw CLI::RuntimeError(rc);
  });
}

}  // namespace strata::app
