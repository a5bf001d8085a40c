// Builds the request handler of one listener for one configuration
// generation. Per request: a RequestContext (http/context.hpp), the
// listener's request_pre_route filters (request id, traceparent, listener
// header edits), route matching (host, path, method, headers; no match:
// local reply 404 "no-route"), the route's request_post_route filters (the
// 0-RTT rule, header edits), the action (proxy, respond, files, redirect)
// on a filter::FilterExchange that runs the response filters, then the log
// filters (metrics, access log). See filter/filter.hpp for the phases.
#pragma once
#include <memory>
#include <string>

#include "config/config.hpp"
#include "http/exchange.hpp"
#include "upstream/upstreams.hpp"

namespace strata::hub::transport {
struct HubEnv;
}

namespace strata::router {

// Throws router::RouteError (router/matchers.hpp; a std::runtime_error with
// the config Location) when a route cannot be compiled (bad regex, unknown
// cluster or route table, missing files root); the loader should already
// have caught most of these. The handler is immutable once built and may be
// shared by several workers; it keeps `cfg` alive. Metrics references are
// looked up here, once; per request there is no lock and no regex compile.
// Requests are logged through obs::AccessLogger::global() when enabled.
// `alt_svc`: the Alt-Svc value advertised on HTTP/1.x and HTTP/2
// responses ("" = none; filter/alt_svc.hpp).
// `hub`: the worker's hub environment (hub/transport/session.hpp) that
// `hub:` routes serve clients with; null: those routes answer 503.
std::shared_ptr<http::Handler> make_pipeline(std::shared_ptr<const config::Config> cfg,
                                             const config::Listener& listener,
                                             std::shared_ptr<upstream::Upstreams> upstreams,
                                             const std::string& alt_svc = {},
                                             hub::transport::HubEnv* hub = nullptr);

}  // namespace strata::router
