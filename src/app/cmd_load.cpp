#include "app/cmd_load.hpp"

#include <memory>

#include <CLI/CLI.hpp>

#include "tools/load/hub_options.hpp"
#include "tools/load/runner.hpp"

namespace strata::app {

void add_load_command(CLI::App& app) {
  auto opt = std::make_shared<tools::load::LoadOptions>();
  auto h1 = std::make_shared<bool>(false);
  auto h2 = std::make_shared<bool>(false);
  auto h3 = std::make_shared<bool>(false);
  auto hub = std::make_shared<tools::load::HubOptions>();
  auto hub_mode = std::make_shared<std::string>();
  auto worker = std::make_shared<std::string>();
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
  cmd->add_option("--source", opt->sources,
                  "Local address to bind (h1/h2; repeatable: connection i uses the i-th modulo)");
  // Real-time hub load (subscribers / publisher); see tools/load/hub_options.hpp.
  cmd->add_option("--hub", *hub_mode,
                  "Hub load: 'ws' or 'sse' subscribers (-c of them, URL template with "
                  "{channel}), or 'pub' (POST publications to the URL)")
      ->check(CLI::IsMember({"ws", "sse", "pub"}));
  cmd->add_option("--channel", hub->channel, "Hub: channel name (base name with --channels)")
      ->capture_default_str();
  cmd->add_option("--channels", hub->channels, "Hub: K channels NAME-0..NAME-(K-1)")
      ->capture_default_str();
  cmd->add_option("--payload-size", hub->payload, "Hub pub: payload bytes (stamp included)")
      ->capture_default_str();
  cmd->add_option("--body", hub->body,
                  "Hub pub: body template ({channel} {payload} {payload_str} {ts})")
      ->capture_default_str();
  cmd->add_option("--api-key", hub->api_key, "Hub: send 'Authorization: apikey KEY'");
  cmd->add_option("--processes", hub->processes,
                  "Hub subscribers: worker processes (0 = one per 16000 connections)");
  cmd->add_option("--sources", hub->sources,
                  "Hub subscribers: 127.1.x.y source addresses (0 = 200 on loopback)");
  cmd->add_option("--connect-concurrency", hub->connect_concurrency,
                  "Hub subscribers: handshakes in flight per process")
      ->capture_default_str();
  cmd->add_option("--idle-exit", hub->idle_exit_s,
                  "Hub subscribers: end this many seconds after the last delivery");
  cmd->add_option("--messages", hub->messages,
                  "Hub subscribers: a subscriber is done after this many deliveries");
  cmd->add_option("--hold", opt->hold_s,
                  "With -n: a connection that finished its requests stays open and idle until all have, "
                  "then this many seconds more (measuring idle connections)");
  cmd->add_option("--ramp", opt->ramp_s,
                  "Spread the connections' first connects evenly over this many seconds (0: all at once)");
  cmd->add_option("--ready-file", hub->ready_file,
                  "Hub subscribers: write this file once every subscriber is connected; "
                  "with --hold: once every connection is idle");
  cmd->add_option("--worker", *worker, "internal: worker I/K/DIR")->group("");
  cmd->callback([opt, h1, h2, h3, hub, hub_mode, worker] {
    if (int(*h1) + int(*h2) + int(*h3) > 1) throw CLI::ValidationError("--h1/--h2/--h3", "choose one");
    opt->protocol = *h1   ? tools::load::ProtocolChoice::h1
                    : *h2 ? tools::load::ProtocolChoice::h2
                    : *h3 ? tools::load::ProtocolChoice::h3
                          : tools::load::ProtocolChoice::automatic;
    if (!hub_mode->empty()) {
      hub->mode = *hub_mode == "ws"    ? tools::load::HubMode::ws
                  : *hub_mode == "sse" ? tools::load::HubMode::sse
                                       : tools::load::HubMode::pub;
      if (opt->urls.size() != 1) throw CLI::ValidationError("--hub", "give exactly one URL");
      hub->url = opt->urls.front();
      hub->protocol = opt->protocol;
      hub->connections = opt->connections;
      hub->threads = opt->threads;
      hub->duration_s = opt->duration_s;
      hub->publications = opt->requests;
      hub->rate = opt->rate;
      hub->depth = opt->streams;
      hub->headers = opt->headers;
      hub->timeout_s = opt->timeout_s;
      hub->connect_timeout_s = opt->connect_timeout_s;
      hub->verify_tls = opt->verify_tls;
      hub->json = opt->json;
      if (!worker->empty() && !tools::load::parse_worker_spec(*worker, *hub))
        throw CLI::ValidationError("--worker", "want I/K/DIR");
      const int rc = tools::load::run_hub_load(*hub);
      if (rc != 0) throw CLI::RuntimeError(rc);
      return;
    }
    opt->ready_file = hub->ready_file;
    const int rc = tools::load::run_load(*opt);
    if (rc != 0) throw CLI::RuntimeError(rc);
  });
}

}  // namespace strata::app
