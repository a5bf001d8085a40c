// JSON Web Token verification (RFC 7519, compact JWS RFC 7515) shared by
// the hub (hub/auth/jwt_verifier) and route JWT (security/jwt_filter): the
// signature with libjwt, then the registered claims exp/nbf/aud/iss.
//
// Contract:
//  - The token header's "alg" picks the key and only a key made for that
//    very algorithm is ever used: HS256 against the HS256 secret only (a
//    public key is never abused as an HMAC secret), RS256 against an RSA
//    key, ES256 against a P-256 key. "none" and any other alg are invalid.
//  - JWKS keys (RFC 7517, kty RSA or EC/P-256) are picked by the header's
//    "kid"; a JWK with an "alg" accepts only that alg. A token whose kid is
//    not in the set falls back to the key file of its alg (if any).
//  - Claims: "nbf" (invalid while now + leeway < nbf), "aud" (when
//    configured: the string or one element of the array equals it), "iss"
//    (when configured: equals it), "exp" (expired when now >= exp + leeway;
//    checked last, so a token with another defect is invalid, not expired).
//    Numeric dates may be integers or floats.
//  - Tokens longer than kMaxTokenBytes are invalid.
// Thread: Verifier is immutable once built; share it between threads.
#pragma once
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace strata::security::jwt {

inline constexpr std::size_t kMaxTokenBytes = 16 * 1024;

// Wall clock in unix seconds; empty = std::chrono::system_clock.
using UnixClock = std::function<std::int64_t()>;

// Key material (what the key files contain). Empty = algorithm not accepted.
struct Keys {
  std::string hs256_secret;
  std::string rs256_public_pem;
  std::string es256_public_pem;
  struct Jwk {
    std::string kid;
    std::string alg;  // "RS256" | "ES256" (from kty/crv, or the JWK's own "alg")
    std::string pem;  // the public key as PEM
  };
  std::vector<Jwk> jwks;
  bool empty() const {
    return hs256_secret.empty() && rs256_public_pem.empty() && es256_public_pem.empty() &&
           jwks.empty();
  }
};

struct Options {
  std::string audience;   // required "aud" when set
  std::string issuer;     // required "iss" when set
  std::int64_t leeway = 0;  // seconds of clock skew on exp/nbf
};

enum class Status : std::uint8_t { ok, expired, invalid };

struct Result {
  Status status = Status::invalid;
  std::string reason;       // for logs; "" when ok
  std::string claims_json;  // the verified claims object (JSON text); set for ok and expired
  bool ok() const { return status == Status::ok; }
};

// Reads a file whole; throws std::runtime_error "<what>: cannot read <path>".
std::string read_file(const std::string& path, const std::string& what);
// The HS256 secret of a file: trailing CR/LF stripped; throws when empty.
std::string read_secret(const std::string& path, const std::string& what);
// Throws std::runtime_error "<what>: ..." unless `pem` is an RSA public key
// (`es256` false) or a P-256 EC public key (`es256` true).
void check_public_pem(const std::string& pem, bool es256, const std::string& what);
// A JSON Web Key Set (text): its RSA and P-256 EC keys with a "kid" (other
// key types and "use": "enc" keys are skipped). Throws std::runtime_error
// "<what>: ..." on malformed JSON or keys, or when no usable key is left.
std::vector<Keys::Jwk> parse_jwks(std::string_view text, const std::string& what);

class Verifier {
 public:
  // Throws std::runtime_error on an unusable PEM key.
  Verifier(Keys keys, Options opts, UnixClock clock = {});
  Result verify(std::string_view token) const;
  std::int64_t now() const;

 private:
  Keys keys_;
  Options opts_;
  UnixClock clock_;
};

}  // namespace strata::security::jwt
