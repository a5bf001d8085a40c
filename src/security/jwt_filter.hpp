// JWT on a route (config::RouteJwt, docs/security.md "JWT on routes") as a
// request_post_route filter. The token comes from the configured header
// (default "authorization"; an optional "Bearer " prefix, any case, is
// dropped) or, when the header is absent, from the configured cookie. It is
// verified by security/jwt (HS256/RS256/ES256 key files, a JWKS file,
// exp/nbf/aud/iss with leeway). Then:
//  - no token: 401, WWW-Authenticate: Bearer (reason "jwt-missing");
//  - invalid or expired: 401, WWW-Authenticate: Bearer error="invalid_token"
//    (reason "jwt-invalid" / "jwt-expired");
//  - valid: every claims_to_headers header is removed from the request
//    (a client never sets them itself) and set from its claim when the token
//    has it (strings as text, other values as compact JSON); the claims go
//    to ctx.jwt (http::RequestContext::jwt_claim) for rate-limit keys.
// The claims_to_headers headers are removed on failures too (no reply is
// proxied then anyway). Counts strata_security_jwt_total{route,result=
// ok|missing|invalid|expired}.
// Thread: immutable once built (keys read by the constructor, i.e. at
// start and on every reload); shared by all workers.
#pragma once
#include <memory>
#include <string>

#include "config/security.hpp"
#include "filter/filter.hpp"
#include "security/jwt.hpp"

namespace strata::obs {
class Counter;
}

namespace strata::security {

// Reads the key files of `cfg` (throws std::runtime_error naming the file).
jwt::Keys load_route_jwt_keys(const config::RouteJwt& cfg);

class JwtFilter final : public filter::Filter {
 public:
  // Throws std::runtime_error on unreadable or unusable keys.
  JwtFilter(const config::RouteJwt& cfg, const std::string& route, jwt::UnixClock clock = {});
  std::string_view name() const override { return "jwt"; }
  filter::PhaseMask phases() const override {
    return filter::bit(filter::Phase::request_post_route) | filter::bit(filter::Phase::local_reply);
  }
  filter::LocalReply on_request(filter::Phase, http::Exchange& ex,
                                http::RequestContext& ctx) const override;
  void on_local_reply(const http::RequestContext& ctx, http::Response& r) const override;

  // The token of a request per `cfg` ("" when none).
  static std::string_view token_of(const config::RouteJwt& cfg, const http::Request& req);

 private:
  config::RouteJwt cfg_;
  jwt::Verifier verifier_;
  obs::Counter* ok_;
  obs::Counter* missing_;
  obs::Counter* invalid_;
  obs::Counter* expired_;
};

}  // namespace strata::security
