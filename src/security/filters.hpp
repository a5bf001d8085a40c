// The security filters of a listener and of a route (docs/security.md),
// built from config once per configuration generation by the pipeline
// (router/pipeline.cpp) and handed to filter/chain_builder, which puts
// them first in the chain (listener: right after request identity; route:
// before the 0-RTT rule).
//
// Listener (request_pre_route): client certificate headers (mTLS
// listeners).
// Route (request_post_route, in this order): access (allow/deny), client
// subject, JWT, rate limits; and
// (response_head) HSTS.
// Throws std::runtime_error / std::invalid_argument with a message naming
// the setting (unreadable or unusable JWT keys, bad pattern): the pipeline
// turns it into a route error at the route's location.
#pragma once
#include <memory>
#include <string>
#include <vector>

#include "config/config.hpp"
#include "filter/filter.hpp"

namespace strata::security {

using FilterList = std::vector<std::shared_ptr<const filter::Filter>>;

FilterList listener_filters(const config::Listener& l);
// `redis`: the `redis:` section for global rate limits (null: none).
FilterList route_filters(const config::Route& r, const std::string& route_name,
                         const config::RedisConfig* redis = nullptr);

}  // namespace strata::security
