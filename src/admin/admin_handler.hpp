// The admin listener's handler: /metrics (Prometheus text), /healthz
// (process alive), /ready (503 while draining), /config (effective config as
// JSON), /clusters (upstream resilience state as JSON), / (index). Runs on workers like any handler.
#pragma once
#include <functional>
#include <memory>

#include "config/config.hpp"
#include "http/exchange.hpp"

namespace strata::admin {

std::shared_ptr<http::Handler> make_admin_handler(std::shared_ptr<const config::Config> cfg,
                                                  std::function<bool()> draining);

}  // namespace strata::admin
