#include "security/jwt.hpp"

#include <chrono>
#include <cmath>
#include <cstdint>
#include <fstream>
#include <optional>
#include <sstream>
#include <stdexcept>

#include <jwt.h>
#include <nlohmann/json.hpp>
#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>
#include <openssl/pem.h>

#include "codec/http1/base64url.hpp"

namespace strata::security::jwt {

namespace {

using nlohmann::json;

Result invalid(std::string reason) {
  Result r;
  r.status = Status::invalid;
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
struct PkeyFree {
  void operator()(EVP_PKEY* k) const { EVP_PKEY_free(k); }
};
using PkeyPtr = std::unique_ptr<EVP_PKEY, PkeyFree>;

std::string pem_of(EVP_PKEY* key) {
  BIO* bio = BIO_new(BIO_s_mem());
  if (!bio) throw std::runtime_error("out of memory");
  std::string out;
  if (PEM_write_bio_PUBKEY(bio, key) == 1) {
    char* p = nullptr;
    long n = BIO_get_mem_data(bio, &p);
    out.assign(p, std::size_t(n));
  }
  BIO_free(bio);
  return out;
}

std::string b64(const json& jwk, const char* field, const std::string& what) {
  auto it = jwk.find(field);
  if (it == jwk.end() || !it->is_string())
    throw std::runtime_error(what + ": key has no \"" + field + "\"");
  auto raw = codec::http1::base64url_decode(it->get_ref<const std::string&>());
  if (!raw || raw->empty()) throw std::runtime_error(what + ": bad base64url in \"" + field + "\"");
  return *raw;
}

// Public key from parameters: RSA (n, e) or EC P-256 (x, y).
PkeyPtr key_from(const json& jwk, bool ec, const std::string& what) {
  OSSL_PARAM_BLD* bld = OSSL_PARAM_BLD_new();
  BIGNUM* n = nullptr;
  BIGNUM* e = nullptr;
  std::string point;
  bool ok = bld != nullptr;
  if (ec) {
    auto x = b64(jwk, "x", what), y = b64(jwk, "y", what);
    if (x.size() != 32 || y.size() != 32) {
      OSSL_PARAM_BLD_free(bld);
      throw std::runtime_error(what + ": P-256 coordinates must be 32 bytes");
    }
    point = "\x04" + x + y;
    ok = ok && OSSL_PARAM_BLD_push_utf8_string(bld, OSSL_PKEY_PARAM_GROUP_NAME, "prime256v1", 0) &&
         OSSL_PARAM_BLD_push_octet_string(bld, OSSL_PKEY_PARAM_PUB_KEY, point.data(), point.size());
  } else {
    auto nb = b64(jwk, "n", what), eb = b64(jwk, "e", what);
    n = BN_bin2bn(reinterpret_cast<const unsigned char*>(nb.data()), int(nb.size()), nullptr);
    e = BN_bin2bn(reinterpret_cast<const unsigned char*>(eb.data()), int(eb.size()), nullptr);
    ok = ok && n && e && OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_N, n) &&
         OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_E, e);
  }
  OSSL_PARAM* params = ok ? OSSL_PARAM_BLD_to_param(bld) : nullptr;
  EVP_PKEY* key = nullptr;
  if (params) {
    EVP_PKEY_CTX* ctx = EVP_PKEY_CTX_new_from_name(nullptr, ec ? "EC" : "RSA", nullptr);
    if (ctx && EVP_PKEY_fromdata_init(ctx) == 1)
      EVP_PKEY_fromdata(ctx, &key, EVP_PKEY_PUBLIC_KEY, params);
    EVP_PKEY_CTX_free(ctx);
  }
  OSSL_PARAM_free(params);
  OSSL_PARAM_BLD_free(bld);
  BN_free(n);
  BN_free(e);
  ERR_clear_error();
  if (!key) throw std::runtime_error(what + ": unusable " + (ec ? "EC" : "RSA") + " key");
  return PkeyPtr(key);
}

}  // namespace

std::string read_file(const std::string& path, const std::string& what) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error(what + ": cannot read " + path);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::string read_secret(const std::string& path, const std::string& what) {
  std::string s = read_file(path, what);
  while (!s.empty() && (s.back() == '\n' || s.back() == '\r')) s.pop_back();
  if (s.empty()) throw std::runtime_error(what + ": empty secret in " + path);
  return s;
}

void check_public_pem(const std::string& pem, bool es256, const std::string& what) {
  BIO* bio = BIO_new_mem_buf(pem.data(), int(pem.size()));
  if (!bio) throw std::runtime_error("out of memory");
  EVP_PKEY* key = PEM_read_bio_PUBKEY(bio, nullptr, nullptr, nullptr);
  BIO_free(bio);
  ERR_clear_error();
  if (!key) throw std::runtime_error(what + ": not a PEM public key");
  bool ok = EVP_PKEY_get_base_id(key) == (es256 ? EVP_PKEY_EC : EVP_PKEY_RSA);
  if (ok && es256) {
    char group[64] = {};
    std::size_t len = 0;
    ok = EVP_PKEY_get_group_name(key, group, sizeof group, &len) == 1 &&
         std::string_view(group, len) == "prime256v1";
  }
  EVP_PKEY_free(key);
  if (!ok)
    throw std::runtime_error(what + (es256 ? ": not a P-256 EC public key" : ": not an RSA public key"));
}

std::vector<Keys::Jwk> parse_jwks(std::string_view text, const std::string& what) {
  json doc = json::parse(text, nullptr, false);
  if (doc.is_discarded() || !doc.is_object()) throw std::runtime_error(what + ": not a JSON object");
  auto ks = doc.find("keys");
  if (ks == doc.end() || !ks->is_array()) throw std::runtime_error(what + ": no \"keys\" array");
  std::vector<Keys::Jwk> out;
  for (const auto& k : *ks) {
    if (!k.is_object()) throw std::runtime_error(what + ": a key is not an object");
    auto str = [&](const char* f) {
      auto it = k.find(f);
      return it != k.end() && it->is_string() ? it->get<std::string>() : std::string();
    };
    const std::string kty = str("kty"), kid = str("kid"), alg = str("alg"), use = str("use");
    if (use == "enc" || kid.empty()) continue;
    Keys::Jwk jwk;
    jwk.kid = kid;
    if (kty == "RSA") {
      if (!alg.empty() && alg != "RS256") continue;
      jwk.alg = "RS256";
      jwk.pem = pem_of(key_from(k, false, what + " kid " + kid).get());
    } else if (kty == "EC" && str("crv") == "P-256") {
      if (!alg.empty() && alg != "ES256") continue;
      jwk.alg = "ES256";
      jwk.pem = pem_of(key_from(k, true, what + " kid " + kid).get());
    } else {
      continue;
    }
    if (jwk.pem.empty()) throw std::runtime_error(what + " kid " + kid + ": cannot encode the key");
    for (const auto& o : out)
      if (o.kid == kid) throw std::runtime_error(what + ": kid " + kid + " appears twice");
    out.push_back(std::move(jwk));
  }
  if (out.empty()) throw std::runtime_error(what + ": no usable RS256/ES256 key with a kid");
  return out;
}

Verifier::Verifier(Keys keys, Options opts, UnixClock clock)
    : keys_(std::move(keys)), opts_(std::move(opts)), clock_(std::move(clock)) {
  if (!keys_.rs256_public_pem.empty()) check_public_pem(keys_.rs256_public_pem, false, "rs256_public_key_file");
  if (!keys_.es256_public_pem.empty()) check_public_pem(keys_.es256_public_pem, true, "es256_public_key_file");
}

std::int64_t Verifier::now() const {
  if (clock_) return clock_();
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

Result Verifier::verify(std::string_view token) const {
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
  if (auto kid = head.find("kid"); kid != head.end() && kid->is_string() && want != JWT_ALG_HS256) {
    for (const auto& k : keys_.jwks)
      if (k.kid == kid->get_ref<const std::string&>()) {
        if (k.alg != alg) return invalid("kid " + k.kid.substr(0, 32) + " is not a " + alg + " key");
        key = &k.pem;
        break;
      }
  }
  if (key->empty()) return invalid("no key configured for " + alg);
  if (d2 + 1 >= token.size()) return invalid("token has no signature");

  const std::string tok(token);  // NUL-terminated for libjwt
  jwt_t* raw = nullptr;
  int rc = jwt_decode(&raw, tok.c_str(), reinterpret_cast<const unsigned char*>(key->data()),
                      int(key->size()));
  std::unique_ptr<jwt_t, JwtFree> jwt(raw);
  ERR_clear_error();
  if (rc != 0 || !jwt) return invalid("bad signature");
  if (jwt_get_alg(jwt.get()) != want) return invalid("alg mismatch");

  json c = json::parse(*body_raw, nullptr, false);
  if (c.is_discarded() || !c.is_object()) return invalid("malformed token claims");
  const std::int64_t t = now();
  if (auto it = c.find("nbf"); it != c.end()) {
    auto nbf = as_seconds(*it);
    if (!nbf) return invalid("bad nbf claim");
    if (sat_add(t, opts_.leeway) < *nbf) return invalid("token not yet valid");
  }
  if (!opts_.audience.empty()) {
    bool match = false;
    if (auto it = c.find("aud"); it != c.end()) {
      if (it->is_string()) match = it->get_ref<const std::string&>() == opts_.audience;
      else if (it->is_array())
        for (const auto& a : *it)
          if (a.is_string() && a.get_ref<const std::string&>() == opts_.audience) match = true;
    }
    if (!match) return invalid("audience mismatch");
  }
  if (!opts_.issuer.empty()) {
    auto it = c.find("iss");
    if (it == c.end() || !it->is_string() || it->get_ref<const std::string&>() != opts_.issuer)
      return invalid("issuer mismatch");
  }
  Result r;
  r.status = Status::ok;
  if (auto it = c.find("exp"); it != c.end()) {
    auto exp = as_seconds(*it);
    if (!exp) return invalid("bad exp claim");
    if (t >= sat_add(*exp, opts_.leeway)) {
      r.status = Status::expired;
      r.reason = "token expired";
    }
  }
  r.claims_json = std::move(*body_raw);
  return r;
}

}  // namespace strata::security::jwt
