// The admin listener's handler: /metrics (Prometheus text), /healthz
// (process alive), /ready (503 while draining), /config (effective config as
// JSON), /clusters (upstream resilience state as JSON), /hub/channels and
// /hub/presence?channel=c (admin/hub_admin.hpp; 404 when `hub` is null),
// /cache/{purge,lookup,tags,stats} (admin/cache_admin.hpp; POST /cache/purge),
// / (index). Runs on workers like any handler; `hub` is the WorkerHub of
// the worker the handler is built for (it must outlive the handler).
//
// Auth (admin/admin_auth.hpp, docs/security.md "The admin API"): when
// cfg->admin has a token (auth.token or auth.token_file) every request,
// whatever its method or path, first needs "Authorization: Bearer <token>"
// (401 otherwise). `token`: the token already read by the caller (the
// server reads token_file once per reload); nullopt -> read here from
// cfg->admin->auth (may throw, naming the file).
#pragma once
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "config/config.hpp"
#include "http/exchange.hpp"

namespace strata::hub {
class WorkerHub;
}

namespace strata::admin {

std::shared_ptr<http::Handler> make_admin_handler(std::shared_ptr<const config::Config> cfg,
                                                  std::function<bool()> draining,
                                                  hub::WorkerHub* hub = nullptr,
                                                  std::optional<std::string> token = std::nullopt);

}  // namespace strata::admin
