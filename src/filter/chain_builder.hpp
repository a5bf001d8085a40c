// Builds the filter chains of one configuration generation from config:
// the listener chain and one chain per route. Called by the pipeline when
// it is built (router/pipeline.cpp), never per request.
//
// Listener chain, in order: request_identity (request id, traceparent),
// the listener's `filters:` entries (request edits before routing),
// alt_svc (when `alt_svc` is non-empty), tier_header, listener_metrics,
// access_log.
// Route chain, in order: early_data (the 0-RTT rule), the route's
// request_headers / response_headers keys, the route's `filters:` entries,
// route_metrics.
#pragma once
#include <memory>
#include <string>

#include "config/config.hpp"
#include "filter/chain.hpp"

namespace strata::filter {

// A filter for one `filters:` entry; request edits run in `request_phase`.
// Throws std::invalid_argument for an unknown type (the loader rejects
// those first).
std::shared_ptr<const Filter> make_filter(const config::FilterConfig& fc, Phase request_phase);

Chain build_listener_chain(const config::Listener& l, const std::string& alt_svc);
Chain build_route_chain(const config::Route& r, const std::string& route_name);

}  // namespace strata::filter
