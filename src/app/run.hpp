// Runs a Server in the foreground until SIGTERM/SIGINT (drain, exit 0).
// SIGHUP reloads from `config_path` (or re-applies the embedded default):
// a bad config is refused and the running one kept.
#pragma once
#include <functional>
#include <memory>
#include <string>

#include "config/config.hpp"
#include "server/server.hpp"

namespace strata::app {

using Loader = std::function<std::shared_ptr<const config::Config>()>;  // throws ConfigError

int run_server(Loader load, server::HandlerFactory factory = nullptr);

void init_logging(const std::string& level);

}  // namespace strata::app
