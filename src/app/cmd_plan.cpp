#include "app/cmd_plan.hpp"

#include <memory>

#include <CLI/CLI.hpp>

#include "tools/plan/plan.hpp"

namespace strata::app {

void add_plan_command(CLI::App& app) {
  namespace plan = tools::plan;
  auto o = std::make_shared<plan::PlanOptions>();
  // Source-table entries given on the command line (the rest come from the protocol's row).
  auto overhead = std::make_shared<double>(-1), conns = std::make_shared<double>(-1),
       state = std::make_shared<double>(-1), keepalive = std::make_shared<double>(-1);
  auto cpu = std::make_shared<double>(-1), mem = std::make_shared<double>(-1);
  auto* cmd = app.add_subcommand(
      "plan", "Capacity plan: the source's model (topic 23) with its flaws, then a corrected model");
  auto& s = o->source;
  auto& c = o->corrected;
  cmd->add_option("--users", s.concurrent_users, "Concurrent users")->capture_default_str();
  cmd->add_option("--request-bytes", s.request_bytes, "Average request size (body), bytes")->capture_default_str();
  cmd->add_option("--response-bytes", s.response_bytes, "Average response size (body), bytes")->capture_default_str();
  cmd->add_option("--rps-per-user", s.requests_per_second_per_user, "Requests per second per user")
      ->capture_default_str();
  cmd->add_option("--protocol", s.protocol, "http1.1 | http2 | http3 (or h1 | h2 | h3)")->capture_default_str();
  cmd->add_option("--overhead", *overhead, "Source model: protocol overhead fraction (default: its table)");
  cmd->add_option("--connections-per-user", *conns, "Connections per user (default: 6 for http1.1, else 1)");
  cmd->add_option("--state-bytes", *state, "Source model: per-connection state bytes (default: its table)");
  cmd->add_option("--keepalive-bytes", *keepalive, "Source model: keep-alive bytes (default: its table)");
  cmd->add_option("--factor", s.recommended_factor, "Source model: recommended-capacity factor")
      ->capture_default_str();
  cmd->add_option("--keepalive-interval", c.keepalive_interval_s, "Keep-alive probe interval, s")
      ->capture_default_str();
  cmd->add_option("--mtu", c.mtu, "Path MTU, bytes")->capture_default_str();
  cmd->add_option("--link-overhead", c.link_overhead, "Bytes per packet below IP (Ethernet on the wire: 38)")
      ->capture_default_str();
  cmd->add_option("--memory-per-connection", *mem, "Bytes per open connection (default: strata's measured)");
  cmd->add_option("--cpu-us-per-request", *cpu, "CPU microseconds per request (default: strata's measured)");
  cmd->add_option("--headroom", c.headroom, "Headroom factor on link, memory and CPU")->capture_default_str();
  cmd->add_option("--request-header", o->request_headers,
                  "Request header 'name: value' (repeatable; replaces the default set)");
  cmd->add_option("--response-header", o->response_headers,
                  "Response header 'name: value' (repeatable; replaces the default set)");
  cmd->add_option("--from-metrics", o->from_metrics,
                  "http://HOST:PORT of a running strata's admin: measured CPU/request and memory/connection");
  cmd->add_option("--sample-seconds", o->sample_s, "--from-metrics: seconds between the two samples")
      ->capture_default_str();
  cmd->add_flag("--json", o->json, "JSON output");
  cmd->callback([o, overhead, conns, state, keepalive, cpu, mem] {
    try {
      o->source.proto = plan::source_protocol(o->source.protocol == "h1"   ? "http1.1"
                                              : o->source.protocol == "h2" ? "http2"
                                              : o->source.protocol == "h3" ? "http3"
                                                                           : o->source.protocol);
    } catch (const std::exception& e) {
      throw CLI::ValidationError("--protocol", e.what());
    }
    if (*overhead >= 0) o->source.proto.overhead = *overhead;
    if (*conns >= 0) {
      o->source.proto.connections_per_user = *conns;
      o->corrected.connections_per_user = *conns;
      o->conns_set = true;
    }
    if (*state >= 0) o->source.proto.state_bytes = *state;
    if (*keepalive >= 0) o->source.proto.keepalive_bytes = *keepalive;
    if (*cpu >= 0) {
      o->corrected.cpu_us_per_request = *cpu;
      o->cpu_set = true;
    }
    if (*mem >= 0) {
      o->corrected.memory_per_connection = *mem;
      o->memory_set = true;
    }
    const int rc = plan::run_plan(*o);
    if (rc != 0) throw CLI::RuntimeError(rc);
  });
}

}  // namespace strata::app
