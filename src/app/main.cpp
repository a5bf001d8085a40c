// strata: argument parsing and wiring only.
#include <cstdio>
#include <iostream>

#include <CLI/CLI.hpp>
#include <boost/version.hpp>
#include <nghttp2/nghttp2.h>
#include <openssl/crypto.h>
#include <spdlog/spdlog.h>

#include "app/proxy_config.hpp"
#include "app/cmd_lab.hpp"
#include "app/cmd_load.hpp"
#include "app/cmd_plan.hpp"
#include "app/cmd_probe.hpp"
#include "app/cmd_ws_probe.hpp"
#include "app/run.hpp"
#include "config/loader.hpp"
#include "tools/origin_handler.hpp"

using namespace strata;

int main(int argc, char** argv) {
  CLI::App app{"strata — an edge gateway"};
  app.require_subcommand(1);
  std::string log_level = "info";
  app.add_option("--log-level", log_level, "trace|debug|info|warn|error")->capture_default_str();

  // serve
  auto* serve = app.add_subcommand("serve", "Run the gateway (embedded default without -c)");
  std::string config_path;
  serve->add_option("-c,--config", config_path, "YAML configuration file");

  // check
  auto* check = app.add_subcommand("check", "Validate a configuration file");
  std::string check_path;
  check->add_option("-c,--config", check_path, "YAML configuration file")->required();

  // proxy
  auto* proxy = app.add_subcommand("proxy", "One-line reverse proxy");
  app::ProxyArgs pa;
  proxy->add_option("--listen", pa.listen, "Listen address (repeatable)")->default_val(std::vector<std::string>{"127.0.0.1:8080"});
  proxy->add_option("--to", pa.to, "Upstream HOST:PORT (repeatable)")->required();
  proxy->add_option("--tls-cert", pa.tls_cert, "PEM certificate: listen with TLS (h1+h2)");
  proxy->add_option("--tls-key", pa.tls_key, "PEM key");
  proxy->add_option("--upstream-protocol", pa.upstream_protocol, "h1 | h2c | h2")->capture_default_str();
  proxy->add_option("--lb", pa.lb, "round_robin | least_request | ring_hash | random")->capture_default_str();
  proxy->add_option("--hash-header", pa.hash_header, "ring_hash key header");
  proxy->add_option("--admin", pa.admin, "Admin listener address");
  proxy->add_option("--workers", pa.workers, "Worker threads (0 = cores)");
  proxy->add_flag("--access-log", pa.access_log, "Access log to stdout");

  // origin
  auto* origin = app.add_subcommand("origin", "Fast test origin");
  app::OriginArgs oa;
  tools::OriginOptions oo;
  origin->add_option("--listen", oa.listen, "Listen address (repeatable)")->default_val(std::vector<std::string>{"127.0.0.1:9000"});
  origin->add_option("--tls-cert", oa.tls_cert, "PEM certificate: listen with TLS");
  origin->add_option("--tls-key", oa.tls_key, "PEM key");
  origin->add_option("--workers", oa.workers, "Worker threads (0 = cores)");
  origin->add_option("--admin", oa.admin, "Admin listener address (metrics)");
  origin->add_option("--max-bytes", oo.max_bytes, "Largest /bytes/N allowed");
  origin->add_option("--max-delay", oo.max_delay_ms, "Largest /delay/MS allowed");
  origin->add_option("--ws-idle", oo.ws_idle_ms, "/ws: ms without a client byte before closing");
  origin->add_option("--id", oo.id, "Value of the x-origin-id response header");
  origin->add_option("--error-rate", oo.error_rate, "Fraction of requests answered 500");
  origin->add_option("--reset-rate", oo.reset_rate, "Fraction of requests reset");
  origin->add_option("--latency", oo.latency_ms, "Added latency per request, ms");
  origin->add_option("--jitter", oo.jitter_ms, "Random extra latency up to this many ms");
  origin->add_option("--seed", oo.seed, "RNG seed");

  app::add_load_command(app);
  app::add_probe_command(app);
  app::add_ws_probe_command(app);
  app::add_plan_command(app);
  app::add_lab_command(app);
  auto* version = app.add_subcommand("version", "Print versions");

  CLI11_PARSE(app, argc, argv);
  app::init_logging(log_level);

  if (*version) {
    std::printf("strata %s\n", STRATA_VERSION);
    std::printf("  boost %d.%d.%d\n", BOOST_VERSION / 100000, BOOST_VERSION / 100 % 1000, BOOST_VERSION % 100);
    std::printf("  %s\n", OpenSSL_version(OPENSSL_VERSION));
    std::printf("  nghttp2 %s\n", nghttp2_version(0)->version_str);
    std::printf("  spdlog %d.%d.%d\n", SPDLOG_VER_MAJOR, SPDLOG_VER_MINOR, SPDLOG_VER_PATCH);
    return 0;
  }
  if (*check) {
    try {
      auto cfg = config::load_file(check_path);
      std::printf("%s: ok (%zu listeners, %zu route tables, %zu clusters)\n", check_path.c_str(),
                  cfg->listeners.size(), cfg->route_tables.size(), cfg->clusters.size());
      return 0;
    } catch (const std::exception& e) {
      std::fprintf(stderr, "%s\n", e.what());
      return 1;
    }
  }
  if (*serve) {
    if (config_path.empty())
      return app::run_server([] { return config::load_string(config::embedded_default_yaml(), "<embedded>"); });
    return app::run_server([config_path] { return config::load_file(config_path); });
  }
  if (*proxy) {
    auto yaml = app::proxy_yaml(pa);
    return app::run_server([yaml] { return config::load_string(yaml, "<proxy>"); });
  }
  if (*origin) {
    auto yaml = app::origin_yaml(oa);
    auto handler = tools::make_origin_handler(oo);
    return app::run_server([yaml] { return config::load_string(yaml, "<origin>"); },
                           [handler](auto, const config::Listener&, auto) { return handler; });
  }
  return 0;
}
