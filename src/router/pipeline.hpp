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

// Throws router::RouteError (router/matchers.hpp; a std::runtime_error with
// the config Location) when a route cannot be compiled (bad regex, unknown
// cluster or route table, missing files root); the loader should already
// have caught most of these. The handler is immutable once built and may be
// shared by several workers; it keeps `cfg` alive. Metrics references are
// looked up here, once; per request there is no lock and no regex compile.
// Requests are logged through obs::AccessLogger::global() when enabled.
std::shared_ptr<http::Handler> make_pipeline(std::shared_ptr<const config::Config> cfg,
                                             const config::Listener& listener,
                                             std::shared_ptr<upstream::Upstreams> upstreams);

}  // namespace strata::router
