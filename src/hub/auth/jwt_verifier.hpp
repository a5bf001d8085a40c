// JSON Web Token verifier for the hub (RFC 7519 / RFC 7515 compact JWS),
// built on libjwt: HS256 (shared secret), RS256 and ES256 (PEM public keys).
//
// Contract:
//  - The token's header "alg" picks the key, and only the key configured for
//    that very algorithm is ever used: an HS256 token is checked against the
//    HS256 secret only (never against a PEM public key, so the RS256/ES256
//    key cannot be abused as an HMAC secret), and RS256/ES256 tokens against
//    their PEM key only. "none" and every other alg are refused (invalid).
//  - Claims: "exp" (expired when now >= exp + leeway), "nbf" (invalid while
//    now + leeway < nbf), "aud" (when configured: the string, or one element
//    of the array, must equal it), "iss" (when configured: must equal it),
//    "sub" (string), "info" (object, kept as compact JSON), "channels"
//    (array of strings), "channel" (string). A claim of the wrong type makes
//    the token invalid. The expiry check runs last, so an expired token with
//    another defect is reported invalid.
//  - Tokens longer than kMaxTokenBytes are invalid.
// Thread: immutable once built; share it between workers. Keys are read
// from files when the verifier is built (a reload builds a new one).
#pragma once
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "hub/auth/verifier.hpp"

namespace strata::config {
struct HubJwt;
struct HubConfig;
}

namespace strata::hub::auth {

inline constexpr std::size_t kMaxTokenBytes = 16 * 1024;

// Wall clock in unix seconds; empty = std::chrono::system_clock.
using UnixClock = std::function<std::int64_t()>;

// Key material itself (what the files of config::HubJwt contain). An empty
// field means that algorithm is not accepted.
struct JwtKeys {
  std::string hs256_secret;
  std::string rs256_public_pem;
  std::string es256_public_pem;
};

// Reads the key files of `cfg` (HS256 secret: trailing CR/LF stripped; PEM
// keys checked to be an RSA / a P-256 EC public key). Throws
// std::runtime_error naming the file on any error, or when no key at all is
// configured.
JwtKeys load_jwt_keys(const config::HubJwt& cfg);

// A verifier for `keys` with the aud/iss/leeway options of `opts` (its file
// names are ignored). Throws std::runtime_error on an unusable key.
std::shared_ptr<const TokenVerifier> make_jwt_verifier(JwtKeys keys, const config::HubJwt& opts,
                                                       UnixClock clock = {});

// The verifier for a hub config: load_jwt_keys + make_jwt_verifier when
// `hub.jwt` is set; otherwise a verifier that refuses every token
// ("tokens are not configured"). Throws like load_jwt_keys.
std::shared_ptr<const TokenVerifier> make_verifier(const config::HubConfig& hub, UnixClock clock = {});

}  // namespace strata::hub::auth
