// The hub's token-verifier interface (docs/hub.md "Auth"): what the
// transports and the protocol ask of authentication, independent of the
// token format. The JWT implementation is hub/auth/jwt_verifier.hpp.
//
// Thread: a verifier is immutable once built and may be shared by every
// worker (const methods only). Reload: a new config builds a new verifier
// (keys are re-read then); connections keep the verifier they started with
// or take the new one, as the caller decides.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "hub/codes.hpp"

namespace strata::hub::auth {

enum class TokenStatus : std::uint8_t {
  ok,
  expired,   // well-formed, correctly signed, but past "exp" (+ leeway)
  invalid,   // anything else: malformed, bad signature, wrong alg/key, aud/iss, nbf, claims
};

// Claims a verified token carries (JWT names in quotes).
struct TokenClaims {
  std::string user;                    // "sub"; "" when absent
  std::string info;                    // "info" object as compact JSON; "" when absent
  std::vector<std::string> channels;   // "channels": server-side subscriptions
  std::optional<std::int64_t> exp;     // "exp", unix seconds
  std::string channel;                 // "channel": subscribe tokens only
};

struct TokenResult {
  TokenStatus status = TokenStatus::invalid;
  std::string reason;                  // human-readable, for logs and error messages; "" when ok
  TokenClaims claims;                  // valid only when ok()

  bool ok() const { return status == TokenStatus::ok; }
  // Protocol error for a reply: none / token_expired (109) / unauthorized (101).
  Error error() const {
    return status == TokenStatus::ok        ? Error::none
           : status == TokenStatus::expired ? Error::token_expired
                                            : Error::unauthorized;
  }
  // WebSocket close code when the connection must end: 4002 expired, 4001 otherwise.
  std::uint16_t close_code() const {
    return status == TokenStatus::expired ? close_code::token_expired : close_code::unauthorized;
  }
};

class TokenVerifier {
 public:
  virtual ~TokenVerifier() = default;
  // A connection token: signature, alg, exp/nbf (with leeway), aud, iss.
  virtual TokenResult verify(std::string_view token) const = 0;
  // A subscribe token for `channel` (private_channels namespaces): as
  // verify(), plus claim "channel" == `channel` and "sub" == `user` (the
  // connection's user; "" for anonymous connections, then "sub" must be
  // absent or "").
  virtual TokenResult verify_subscribe(std::string_view token, std::string_view user,
                                       std::string_view channel) const = 0;
  // The verifier's wall clock, unix seconds (for "expires_in" = exp - now()).
  virtual std::int64_t now() const = 0;
};

}  // namespace strata::hub::auth
