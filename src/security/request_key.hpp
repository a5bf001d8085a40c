// The key of a rate limit (or rule) for one request, from its config key
// parts (config::KeyPart): the parts' values joined with '|', e.g.
// "10.1.2.0/24" or "10.1.2.0/24|tenant-a". Missing headers, cookies and
// claims are empty parts (so all requests without them share one key).
// Thread: pure, any.
#pragma once
#include <string>
#include <string_view>
#include <vector>

#include "config/security.hpp"
#include "http/context.hpp"
#include "http/message.hpp"

namespace strata::security {

// The value of JWT claim `claim` verified for this request by the route's
// JWT filter (security/jwt_filter.hpp, runs before rate limits: it sets
// RequestContext::jwt), or "" when there is no verified token or claim.
std::string_view jwt_claim(const http::RequestContext& ctx, std::string_view claim);

// The value of cookie `name` in the request's Cookie headers ("" if none).
std::string_view cookie_value(const http::Request& req, std::string_view name);

// Appends the key of `parts` to `out` (cleared first).
void request_key(const std::vector<config::KeyPart>& parts, unsigned ipv4_prefix,
                 unsigned ipv6_prefix, std::string_view route, const http::Request& req,
                 const http::RequestContext& ctx, std::string& out);

}  // namespace strata::security
