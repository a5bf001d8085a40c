#include "hub/auth/jwt_verifier.hpp"

#include <chrono>
#include <cmath>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include <jwt.h>
#include <nlohmann/json.hpp>
#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include "codec/http1/base64url.hpp"
#include "config/hub.hpp"

namespace strata::hub::auth {

namespace {

using nlohmann::json;

std::string read_file(const std::string& path, const char* what) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error(std::string("hub.jwt.") + what + ": cannot read " + path);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// Checks that `pem` is a public key of OpenSSL type `id` (P-256 for EC).
void check_pem(const std::string& pem, int id, const char* what) {
  BIO* bio = BIO_new_mem_buf(pem.data(), int(pem.size()));
  if (!bio) throw std::runtime_error("out of memory");
  EVP_PKEY* key = PEM_read_bio_PUBKEY(bio, nullptr, nullptr, nullptr);
  BIO_free(bio);
  if (!key) throw std::runtime_error(std::string("hub.jwt.") + what + ": not a PEM public key");
  bool ok = EVP_PKEY_get_base_id(key) == id;
  if (ok && id == EVP_PKEY_EC) {
    char group[64] = {};
    std::size_t len = 0;
    ok = EVP_PKEY_get_group_name(key, group, sizeof group, &len) == 1 &&
         std::string_view(group, len) == "prime256v1";
  }
  EVP_PKEY_free(key);
  if (!ok)
    throw std::runtime_error(std::string("hub.jwt.") + what +
                             (id == EVP_PKEY_EC ? ": not a P-256 EC public key" : ": not an RSA public key"));
}

TokenResult invalid(std::string reason) {
  TokenResult r;
  r.status = TokenStatus::invalid;
  r.reason = std::move(reason);
  return r;
}

std::optional<std::int64_t> as_seconds(const json& v) {
  if (v.is_number_integer()) return v.get<std::int64_t>();
  if (v.is_number_unsigned()) {
    auto u = v.get<std::uint64_t>();
    return u > std::uint64_t(INT64_MAX) ? INT64_MAX : std::int64_t(u);
  }
  if (v.is_number_float()) {
    double d = v.get<double>();
    if (!std::isfinite(d)) return std::nullopt;
    if (d >= 9.2e18) return INT64_MAX;
    if (d <= -9.2e18) return INT64_MIN;
    return std::int64_t(std::floor(d));
  }
  return std::nullopt;
}

// a + b without overflow (saturating).
std::int64_t sat_add(std::int64_t a, std::int64_t b) {
  std::int64_t r;
  if (__builtin_add_overflow(a, b, &r)) return b > 0 ? INT64_MAX : INT64_MIN;
  return r;
}

struct JwtFree {
  void operator()(jwt_t* j) const { jwt_free(j); }
};

class JwtVerifier final : public TokenVerifier {
 public:
  JwtVerifier(JwtKeys keys, const config::HubJwt& opts, UnixClock clock)
      : keys_(std::move(keys)),
        audience_(opts.audience),
        issuer_(opts.issuer),
        leeway_(opts.leeway.count()),
        clock_(std::move(clock)) {
    if (!keys_.rs256_public_pem.empty()) check_pem(keys_.rs256_public_pem, EVP_PKEY_RSA, "rs256_public_key_file");
    if (!keys_.es256_public_pem.empty()) check_pem(keys_.es256_public_pem, EVP_PKEY_EC, "es256_public_key_file");
  }

  std::int64_t now() const override {
    if (clock_) return clock_();
    return std::chrono::duration_cast<std::chrono::seconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
  }

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
    if (token.empty()) return invalid("empty token");
    if (token.size() > kMaxTokenBytes) return invalid("token too long");
    const auto d1 = token.find('.');
    const auto d2 = d1 == std::string_view::npos ? d1 : token.find('.', d1 + 1);
    if (d2 == std::string_view::npos || token.find('.', d2 + 1) != std::string_view::npos)
      return invalid("malformed token");
    auto head_raw = codec::http1::base64url_decode(token.substr(0, d1));
    auto body_raw = codec::http1::base64url_decode(token.substr(d1 + 1, d2 - d1 - 1));
    if (!head_raw || !body_raw) return invalid("malformed token");
    json head = json::parse(*head_raw, nullptr, false);
    if (head.is_discarded() || !head.is_object()) return invalid("malformed token header");
    auto alg_it = head.find("alg");
    if (alg_it == head.end() || !alg_it->is_string()) return invalid("token header has no alg");
    const std::string& alg = alg_it->get_ref<const std::string&>();

    // The key for this alg and nothing else (no algorithm confusion).
    const std::string* key = nullptr;
    jwt_alg_t want = JWT_ALG_INVAL;
    if (alg == "HS256") key = &keys_.hs256_secret, want = JWT_ALG_HS256;
    else if (alg == "RS256") key = &keys_.rs256_public_pem, want = JWT_ALG_RS256;
    else if (alg == "ES256") key = &keys_.es256_public_pem, want = JWT_ALG_ES256;
    else return invalid("unsupported alg " + alg.substr(0, 16));
    if (key->empty()) return invalid("no key configured for " + alg);
    if (d2 + 1 >= token.size()) return invalid("token has no signature");

    const std::string tok(token);  // NUL-terminated for libjwt
    jwt_t* raw = nullptr;
    int rc = jwt_decode(&raw, tok.c_str(), reinterpret_cast<const unsigned char*>(key->data()),
                        int(key->size()));
    std::unique_ptr<jwt_t, JwtFree> jwt(raw);
    if (rc != 0 || !jwt) return invalid("bad signature");
    if (jwt_get_alg(jwt.get()) != want) return invalid("alg mismatch");

    json claims = json::parse(*body_raw, nullptr, false);
    if (claims.is_discarded() || !claims.is_object()) return invalid("malformed token claims");
    return check_claims(claims);
  }

  TokenResult check_claims(const json& c) const {
    TokenResult r;
    const std::int64_t t = now();
    if (auto it = c.find("nbf"); it != c.end()) {
      auto nbf = as_seconds(*it);
      if (!nbf) return invalid("bad nbf claim");
      if (sat_add(t, leeway_) < *nbf) return invalid("token not yet valid");
    }
    if (!audience_.empty()) {
      bool match = false;
      if (auto it = c.find("aud"); it != c.end()) {
        if (it->is_string()) match = it->get_ref<const std::string&>() == audience_;
        else if (it->is_array())
          for (const auto& a : *it)
            if (a.is_string() && a.get_ref<const std::string&>() == audience_) match = true;
      }
      if (!match) return invalid("audience mismatch");
    }
    if (!issuer_.empty()) {
      auto it = c.find("iss");
      if (it == c.end() || !it->is_string() || it->get_ref<const std::string&>() != issuer_)
        return invalid("issuer mismatch");
    }
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
      auto exp = as_seconds(*it);
      if (!exp) return invalid("bad exp claim");
      r.claims.exp = *exp;
      if (t >= sat_add(*exp, leeway_)) {
        r.status = TokenStatus::expired;
        r.reason = "token expired";
        return r;
      }
    }
    r.status = TokenStatus::ok;
    return r;
  }

  JwtKeys keys_;
  std::string audience_;
  std::string issuer_;
  std::int64_t leeway_;
  UnixClock clock_;
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
    k.hs256_secret = read_file(cfg.hs256_secret_file, "hs256_secret_file");
    while (!k.hs256_secret.empty() && (k.hs256_secret.back() == '\n' || k.hs256_secret.back() == '\r'))
      k.hs256_secret.pop_back();
    if (k.hs256_secret.empty())
      throw std::runtime_error("hub.jwt.hs256_secret_file: empty secret in " + cfg.hs256_secret_file);
  }
  if (!cfg.rs256_public_key_file.empty())
    k.rs256_public_pem = read_file(cfg.rs256_public_key_file, "rs256_public_key_file");
  if (!cfg.es256_public_key_file.empty())
    k.es256_public_pem = read_file(cfg.es256_public_key_file, "es256_public_key_file");
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
