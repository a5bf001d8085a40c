#include "admin/admin_handler.hpp"

#include "admin/hub_admin.hpp"
#include "admin/www/dashboard.hpp"
#include "config/loader.hpp"
#include "obs/metrics.hpp"
#include "obs/metrics_json.hpp"
#include "obs/process_metrics.hpp"
#include "security/penalties_api.hpp"
#include "upstream/cluster/status.hpp"

namespace strata::admin {

namespace asio = boost::asio;

namespace {

class AdminHandler final : public http::Handler {
 public:
  AdminHandler(std::shared_ptr<const config::Config> cfg, std::function<bool()> draining, hub::WorkerHub* hub)
      : cfg_(std::move(cfg)), draining_(std::move(draining)), hub_(hub) {}

  asio::awaitable<void> handle(http::Exchange& ex) override {
    auto& req = ex.request();
    auto path = req.path();
    if (req.method != "GET" && req.method != "HEAD" &&
        !(req.method == "DELETE" && path == "/security/penalties")) {
      co_await http::respond(ex, 405, "method not allowed\n");
      co_return;
    }
    if (path == "/metrics") {
      auto body = obs::Registry::global().render() + obs::render_process_metrics();
      co_await http::respond(ex, 200, body, "text/plain; version=0.0.4; charset=utf-8");
    } else if (path == "/stats") {
      auto body = std::string("{\"draining\":") + (draining_() ? "true" : "false") + ",\"metrics\":" +
                  obs::metrics_json(obs::Registry::global().render() + obs::render_process_metrics()) + "}";
      co_await http::respond(ex, 200, body, "application/json");
    } else if (path == "/dashboard") {
      co_await http::respond(ex, 200, admin::dashboard_html(), "text/html; charset=utf-8");
    } else if (path == "/healthz") {
      co_await http::respond(ex, 200, "ok\n");
    } else if (path == "/ready") {
      if (draining_()) co_await http::respond(ex, 503, "draining\n");
      else co_await http::respond(ex, 200, "ready\n");
    } else if (path == "/config") {
      co_await http::respond(ex, 200, config::to_json(*cfg_), "application/json");
    } else if (path == "/clusters") {
      co_await http::respond(ex, 200, upstream::cluster::clusters_json(), "application/json");
    } else if (path == "/security/penalties") {  // security/penalties_api.hpp
      const auto set = security::RuleRegistry::global().current();
      const auto a = req.method == "DELETE" ? security::penalties_delete(set.get(), req.query())
                                            : security::penalties_list(set.get());
      co_await http::respond(ex, a.status, a.body, "application/json");
    } else if (is_hub_admin_path(path)) {
      co_await serve_hub_admin(ex, hub_);
    } else if (path == "/") {
      co_await http::respond(ex, 200,
                             "strata admin\n/metrics  Prometheus metrics\n/healthz  liveness\n"
                             "/ready    readiness (503 while draining)\n/config   effective configuration\n"
                             "/clusters upstream breakers, health, ejections, bulkheads (JSON)\n"
                             "/hub/channels  hub channels (JSON)\n/hub/presence?channel=c  hub presence (JSON)\n"
                             "/security/penalties  rule penalties (JSON; DELETE ?rule=&key= lifts)\n"
                             "/stats    metrics as JSON (for the dashboard)\n/dashboard  live dashboard (HTML)\n");
    } else {
      co_await http::respond(ex, 404, "not found\n");
    }
  }

 private:
  std::shared_ptr<const config::Config> cfg_;
  std::function<bool()> draining_;
  hub::WorkerHub* hub_;
};

}  // namespace

std::shared_ptr<http::Handler> make_admin_handler(std::shared_ptr<const config::Config> cfg,
                                                  std::function<bool()> draining, hub::WorkerHub* hub) {
  return std::make_shared<AdminHandler>(std::move(cfg), std::move(draining), hub);
}

}  // namespace strata::admin
