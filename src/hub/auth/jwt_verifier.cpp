#include "hub/auth/jwt_verifier.hpp"

#include <chrono>
#include <cmath>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include <algorithm>

#include <nlohmann/json.hpp>

#include "config/hub.hpp"
#include "security/jwt.hpp"

namespace strata::hub::auth {

namespace {

using nlohmann::json;
namespace sj = security::jwt;

TokenResult invalid(std::string reason) {
  TokenResult r;
  r.status = TokenStatus::invalid;
  r.reason = std::move(reason);
  return r;
}

sj::Keys to_keys(JwtKeys k) {
  sj::Keys out;
  out.hs256_secret = std::move(k.hs256_secret);
  out.rs256_public_pem = std::move(k.rs256_public_pem);
  out.es256_public_pem = std::move(k.es256_public_pem);
  return out;
}

sj::Options to_options(const config::HubJwt& opts) {
  sj::Options o;
  o.audience = opts.audience;
  o.issuer = opts.issuer;
  o.leeway = opts.leeway.count();
  return o;
}

// Signature, alg and the registered claims: security/jwt (shared with route
// JWT); the hub's own claims here.
class JwtVerifier final : public TokenVerifier {
 public:
  JwtVerifier(JwtKeys keys, const config::HubJwt& opts, UnixClock clock)
      : core_(to_keys(std::move(keys)), to_options(opts), std::move(clock)) {}

  std::int64_t now() const override { return core_.now(); }

  TokenResult verify(std::string_view token) const override { return check(token); }

  TokenResult verify_subscribe(std::string_view token, std::string_view user,
                               std::string_view channel) const override {
    auto r = check(token);
    if (r.status == TokenStatus::invalid) return r;
    // The binding to the channel and user matters even for an expired token:
    // report a token for something else as invalid, not as "expired".
    if (r.claims.channel != channel) return invalid("subscribe token is for another channel");
    if (r.claims.user != user) return invalid("subscribe token is for another user");
    return r;
  }

 private:
  TokenResult check(std::string_view token) const {
    auto v = core_.verify(token);
    if (v.status == sj::Status::invalid) return invalid(std::move(v.reason));
    json c = json::parse(v.claims_json, nullptr, false);
    if (c.is_discarded() || !c.is_object()) return invalid("malformed token claims");
    TokenResult r;
    if (auto it = c.find("sub"); it != c.end()) {
      if (!it->is_string()) return invalid("bad sub claim");
      r.claims.user = it->get<std::string>();
    }
    if (auto it = c.find("info"); it != c.end() && !it->is_null()) {
      if (!it->is_object()) return invalid("bad info claim");
      r.claims.info = it->dump(-1, ' ', false, json::error_handler_t::replace);
    }
    if (auto it = c.find("channels"); it != c.end() && !it->is_null()) {
      if (!it->is_array()) return invalid("bad channels claim");
      for (const auto& ch : *it) {
        if (!ch.is_string()) return invalid("bad channels claim");
        r.claims.channels.push_back(ch.get<std::string>());
      }
    }
    if (auto it = c.find("channel"); it != c.end() && !it->is_null()) {
      if (!it->is_string()) return invalid("bad channel claim");
      r.claims.channel = it->get<std::string>();
    }
    if (auto it = c.find("exp"); it != c.end()) {
      if (it->is_number_integer()) r.claims.exp = it->get<std::int64_t>();
      else if (it->is_number_unsigned())
        r.claims.exp = std::int64_t(std::min<std::uint64_t>(it->get<std::uint64_t>(), INT64_MAX));
      else if (it->is_number_float())
        r.claims.exp = std::int64_t(std::floor(std::clamp(it->get<double>(), -9.2e18, 9.2e18)));
    }
    if (v.status == sj::Status::expired) {
      r.status = TokenStatus::expired;
      r.reason = std::move(v.reason);
      return r;
    }
    r.status = TokenStatus::ok;
    return r;
  }

  sj::Verifier core_;
};

class NoTokens final : public TokenVerifier {
 public:
  explicit NoTokens(UnixClock clock) : clock_(std::move(clock)) {}
  TokenResult verify(std::string_view) const override { return invalid("tokens are not configured"); }
  TokenResult verify_subscribe(std::string_view, std::string_view, std::string_view) const override {
    return invalid("tokens are not configured");
  }
  std::int64_t now() const override {
    if (clock_) return clock_();
    return std::chrono::duration_cast<std::chrono::seconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
  }

 private:
  UnixClock clock_;
};

}  // namespace

JwtKeys load_jwt_keys(const config::HubJwt& cfg) {
  JwtKeys k;
  if (!cfg.hs256_secret_file.empty()) {
    k.hs256_secret = security::jwt::read_secret(cfg.hs256_secret_file, "hub.jwt.hs256_secret_file");
  }
  if (!cfg.rs256_public_key_file.empty())
    k.rs256_public_pem = security::jwt::read_file(cfg.rs256_public_key_file, "hub.jwt.rs256_public_key_file");
  if (!cfg.es256_public_key_file.empty())
    k.es256_public_pem = security::jwt::read_file(cfg.es256_public_key_file, "hub.jwt.es256_public_key_file");
  if (k.hs256_secret.empty() && k.rs256_public_pem.empty() && k.es256_public_pem.empty())
    throw std::runtime_error("hub.jwt: no key configured (hs256_secret_file, rs256_public_key_file, es256_public_key_file)");
  return k;
}

std::shared_ptr<const TokenVerifier> make_jwt_verifier(JwtKeys keys, const config::HubJwt& opts,
                                                       UnixClock clock) {
  return std::make_shared<JwtVerifier>(std::move(keys), opts, std::move(clock));
}

std::shared_ptr<const TokenVerifier> make_verifier(const config::HubConfig& hub, UnixClock clock) {
  if (!hub.jwt) return std::make_shared<NoTokens>(std::move(clock));
  return make_jwt_verifier(load_jwt_keys(*hub.jwt), *hub.jwt, std::move(clock));
}

}  // namespace strata::hub::auth
