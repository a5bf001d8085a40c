// The admin listener's handler: /metrics (Prometheus text), /healthz
// (process alive), /ready (503 while draining), /config (effective config as
// JSON), /clusters (upstream resilience state as JSON), /hub/channels and
// /hub/presence?channel=c (admin/hub_admin.hpp; 404 when `hub` is null),
// / (index). Runs on workers like any handler; `hub` is the WorkerHub of
// the worker the handler is built for (it must outlive the handler).
#pragma once
#include <functional>
#include <memory>

#include "config/config.hpp"
#include "http/exchange.hpp"

namespace strata::hub {
class WorkerHub;
}

namespace strata::admin {

std::shared_ptr<http::Handler> make_admin_handler(std::shared_ptr<const config::Config> cfg,
                                                  std::function<bool()> draining,
                                                  hub::WorkerHub* hub = nullptr);

}  // namespace strata::admin
