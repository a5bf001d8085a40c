#include "admin/admin_handler.hpp"

#include "admin/admin_auth.hpp"
#include "admin/cache_admin.hpp"
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
  AdminHandler(std::shared_ptr<const config::Config> cfg, std::function<bool()> draining, hub::WorkerHub* hub,
               std::string token)
      : cfg_(std::move(cfg)), draining_(std::move(draining)), hub_(hub), token_(std::move(token)) {
    if (!token_.empty()) {  // the failure series exist (at 0) from the start
      obs::counter("strata_admin_auth_failures_total", "Admin requests refused for missing or wrong credentials",
                   {{"reason", "missing"}});
      obs::counter("strata_admin_auth_failures_total", "Admin requests refused for missing or wrong credentials",
                   {{"reason", "wrong"}});
    }
  }

  asio::awaitable<void> handle(http::Exchange& ex) override {
    auto& req = ex.request();
    auto path = req.path();
    // Before anything else, reads and writes alike.
    if (!token_.empty()) {
      const auto field = req.headers.get("authorization");
      const auto r = check_bearer(field ? *field : std::string_view(), field.has_value(), token_);
      if (r != AuthResult::ok) {
        count_auth_failure(r == AuthResult::missing ? "missing" : "wrong");
        http::Response resp;
        resp.status = 401;
        resp.headers.add("www-authenticate", r == AuthResult::missing
                                                 ? "Bearer realm=\"strata admin\""
                                                 : "Bearer realm=\"strata admin\", error=\"invalid_token\"");
        static constexpr std::string_view kBody = "unauthorized\n";
        resp.headers.add("content-type", "text/plain");
        resp.headers.add("content-length", std::to_string(kBody.size()));
        if (!co_await ex.send_head(resp, false)) co_await ex.send_body(std::span<const char>(kBody), true);
        co_return;
      }
    }
    if (is_cache_admin_path(path)) {  // admin/cache_admin.hpp (POST /cache/purge; checks its methods)
      co_await serve_cache_admin(ex);
      co_return;
    }
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
                             "/cache/stats  cache store (JSON)\n/cache/tags  cache tags (JSON)\n"
                             "/cache/lookup?url=u  cached objects of a URL (JSON)\n"
                             "/cache/purge  POST {tags,urls,prefixes,all,soft} purges (all nodes)\n"
                             "/stats    metrics as JSON (for the dashboard)\n/dashboard  live dashboard (HTML)\n");
    } else {
      co_await http::respond(ex, 404, "not found\n");
    }
  }

 private:
  std::shared_ptr<const config::Config> cfg_;
  std::function<bool()> draining_;
  hub::WorkerHub* hub_;
  std::string token_;  // "" = no bearer auth
};

}  // namespace

std::shared_ptr<http::Handler> make_admin_handler(std::shared_ptr<const config::Config> cfg,
                                                  std::function<bool()> draining, hub::WorkerHub* hub,
                                                  std::optional<std::string> token) {
  if (!token) token = cfg->admin ? read_admin_token(cfg->admin->auth) : std::string();
  return std::make_shared<AdminHandler>(std::move(cfg), std::move(draining), hub, std::move(*token));
}

}  // namespace strata::admin
