// Test helper: fresh RSA-2048 and P-256 key pairs (generated with OpenSSL
// at run time, nothing committed) and JWT signing through libjwt, for the
// hub's verifier tests. Test-only: never use these helpers for real keys.
#pragma once
#include <cstdlib>
#include <memory>
#include <stdexcept>
#include <string>

#include <jwt.h>
#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

namespace strata::test {

struct PemPair {
  std::string private_pem;
  std::string public_pem;
};

inline std::string bio_text(BIO* b) {
  char* p = nullptr;
  long n = BIO_get_mem_data(b, &p);
  std::string s(p, std::size_t(n));
  BIO_free(b);
  return s;
}

// kind: "RSA" or "EC" (P-256).
inline PemPair make_pem_pair(const std::string& kind) {
  EVP_PKEY* k = kind == "RSA" ? EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", std::size_t(2048))
                              : EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256");
  if (!k) throw std::runtime_error("keygen failed");
  BIO* priv = BIO_new(BIO_s_mem());
  BIO* pub = BIO_new(BIO_s_mem());
  PEM_write_bio_PrivateKey(priv, k, nullptr, nullptr, 0, nullptr, nullptr);
  PEM_write_bio_PUBKEY(pub, k);
  EVP_PKEY_free(k);
  return {bio_text(priv), bio_text(pub)};
}

// A token with `claims_json` signed by libjwt with `alg` and `key` (secret
// for HS256, private PEM for RS256/ES256).
inline std::string sign_jwt(jwt_alg_t alg, const std::string& key, const std::string& claims_json) {
  jwt_t* j = nullptr;
  if (jwt_new(&j) != 0) throw std::runtime_error("jwt_new");
  std::unique_ptr<jwt_t, void (*)(jwt_t*)> guard(j, jwt_free);
  if (jwt_add_grants_json(j, claims_json.c_str()) != 0) throw std::runtime_error("grants");
  if (jwt_set_alg(j, alg, reinterpret_cast<const unsigned char*>(key.data()), int(key.size())) != 0)
    throw std::runtime_error("jwt_set_alg");
  char* s = jwt_encode_str(j);
  if (!s) throw std::runtime_error("jwt_encode_str");
  std::string out(s);
  std::free(s);
  return out;
}

inline std::string b64url(std::string_view in) {
  static const char* t = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  std::string out;
  std::size_t i = 0;
  for (; i + 2 < in.size(); i += 3) {
    unsigned v = (unsigned char)in[i] << 16 | (unsigned char)in[i + 1] << 8 | (unsigned char)in[i + 2];
    out += t[v >> 18 & 63]; out += t[v >> 12 & 63]; out += t[v >> 6 & 63]; out += t[v & 63];
  }
  if (in.size() - i == 1) {
    unsigned v = (unsigned char)in[i] << 16;
    out += t[v >> 18 & 63]; out += t[v >> 12 & 63];
  } else if (in.size() - i == 2) {
    unsigned v = (unsigned char)in[i] << 16 | (unsigned char)in[i + 1] << 8;
    out += t[v >> 18 & 63]; out += t[v >> 12 & 63]; out += t[v >> 6 & 63];
  }
  return out;
}

}  // namespace strata::test
