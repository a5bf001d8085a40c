#include "app/run.hpp"

#include <csignal>

#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include "app/service_notify.hpp"
#include "config/loader.hpp"
#include "obs/access_log.hpp"
#include "obs/metrics.hpp"
#include "obs/process_metrics.hpp"

namespace strata::app {

namespace asio = boost::asio;

void init_logging(const std::string& level) {
  auto logger = spdlog::stderr_color_mt("strata");
  spdlog::set_default_logger(logger);
  spdlog::set_pattern("%Y-%m-%dT%H:%M:%S.%e %^%l%$ %v");
  spdlog::set_level(spdlog::level::from_str(level));
  spdlog::flush_on(spdlog::level::info);
}

int run_server(Loader load, server::HandlerFactory factory) {
  std::shared_ptr<const config::Config> cfg;
  try {
    cfg = load();
  } catch (const std::exception& e) {
    spdlog::error("{}", e.what());
    return 1;
  }
  std::signal(SIGPIPE, SIG_IGN);
  obs::AccessLogger::global().configure(cfg->access_log);
  server::Server srv(factory);
  try {
    srv.start(cfg);
  } catch (const std::exception& e) {
    spdlog::error("cannot start: {}", e.what());
    return 1;
  }
  obs::record_ready_memory();
  auto& reloads_ok = obs::counter("strata_config_reloads_total", "Configuration reloads", {{"outcome", "ok"}});
  auto& reloads_bad = obs::counter("strata_config_reloads_total", "Configuration reloads", {{"outcome", "error"}});
  spdlog::info("strata {} ready ({} workers, config {})", STRATA_VERSION,
               cfg->workers ? cfg->workers : std::thread::hardware_concurrency(), cfg->source);

  notify_ready("serving");

  asio::io_context main_io(1);
  asio::signal_set signals(main_io, SIGHUP, SIGTERM, SIGINT);
  std::function<void(boost::system::error_code, int)> on_signal = [&](boost::system::error_code ec, int sig) {
    if (ec) return;
    if (sig == SIGHUP) {
      spdlog::info("SIGHUP: reloading configuration");
      notify_reloading();
      try {
        auto next = load();
        auto err = srv.reload(next);
        if (err.empty()) obs::AccessLogger::global().configure(next->access_log);
        if (err.empty()) {
          reloads_ok.inc();
          spdlog::info("reload complete");
          notify_ready("serving (configuration reloaded)");
        } else {
          reloads_bad.inc();
          spdlog::error("reload refused, keeping the running configuration: {}", err);
          notify_ready("serving (reload refused: " + err + ")");
        }
      } catch (const std::exception& e) {
        reloads_bad.inc();
        spdlog::error("reload refused, keeping the running configuration: {}", e.what());
        notify_ready(std::string("serving (reload refused: ") + e.what() + ")");
      }
      signals.async_wait(on_signal);
      return;
    }
    spdlog::info("{}: draining", sig == SIGTERM ? "SIGTERM" : "SIGINT");
    notify_stopping();
    auto cur = srv.config();
    srv.drain(cur ? cur->timeouts.drain : std::chrono::milliseconds(30000));
    obs::AccessLogger::global().stop();
    spdlog::info("bye");
    main_io.stop();
  };
  signals.async_wait(on_signal);
  main_io.run();
  return 0;
}

}  // namespace strata::app
