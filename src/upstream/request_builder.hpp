// Builds the upstream request head from a downstream request: target with
// the optional prefix rewrite, authority (host_rewrite), hop-by-hop fields
// removed and forwarding headers added (X-Forwarded-For/-Proto, X-Real-IP,
// Via, traceparent, X-Request-Id). The request id and traceparent come from
// the request context when there is one (decided once per request by
// filter/request_identity.hpp, so every try and tier sends the same);
// without a context they are derived here from the caller's RNG.
#pragma once
#include <string_view>

#include "config/config.hpp"
#include "core/fast_rng.hpp"
#include "http/context.hpp"
#include "http/message.hpp"
#include "upstream/pool/upstream_request.hpp"

namespace strata::upstream {

// `matched_prefix` is the route prefix that prefix_rewrite replaces.
// `h2_upstream` keeps "te: trailers" (HTTP/1.1 upstreams get no TE).
pool::UpstreamRequest build_upstream_request(const http::Request& req, const http::ConnInfo& conn,
                                             const config::ProxyAction& action,
                                             std::string_view matched_prefix, bool h2_upstream,
                                             core::FastRng& rng,
                                             const http::RequestContext* ctx = nullptr);
// The same into `out`, every field assigned (upgrade cleared): a reused
// request keeps its strings' and header blocks' storage, so building one
// allocates nothing in the steady state (see upstream/reused_request.hpp).
void build_upstream_request(pool::UpstreamRequest& out, const http::Request& req,
                            const http::ConnInfo& conn, const config::ProxyAction& action,
                            std::string_view matched_prefix, bool h2_upstream,
                            core::FastRng& rng, const http::RequestContext* ctx = nullptr);
// rewrite_target into `out` (its storage reused).
void rewrite_target(std::string& out, std::string_view target, std::string_view matched_prefix,
                    const std::optional<std::string>& prefix_rewrite);

// prefix_rewrite applied to `target` (path + query); keeps a leading '/'.
std::string rewrite_target(std::string_view target, std::string_view matched_prefix,
                           const std::optional<std::string>& prefix_rewrite);

// The ring_hash key for a request per `on` (header value, cookie value or
// client address); a missing or empty header/cookie falls back to the
// client address (`client_ip`, ctx.client_ip; "" = the peer). The view
// points into req, conn or client_ip.
std::string_view lb_key(const http::Request& req, const http::ConnInfo& conn,
                        const std::optional<config::HashOn>& on, std::string_view client_ip = {});

}  // namespace strata::upstream
