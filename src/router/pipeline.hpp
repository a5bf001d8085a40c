// Builds the request handler of one listener for one configuration
// generation: request-id/traceparent, route matching (host, path, method,
// headers), the route's header edits, then its action (proxy, respond,
// files, redirect), metrics per request and the access log line.
#pragma once
#include <memory>

#include "config/config.hpp"
#include "http/exchange.hpp"
#include "upstream/upstreams.hpp"

namespace strata::router {

// Throws config::ConfigError when a route cannot be compiled (bad regex,
// unknown cluster); the loader should already have caught these.
std::shared_ptr<http::Handler> make_pipeline(std::shared_ptr<const config::Config> cfg,
                                             const config::Listener& listener,
                                             std::shared_ptr<upstream::Upstreams> upstreams);

}  // namespace strata::router
