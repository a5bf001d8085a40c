// The JWT core shared by the hub and route JWT (security/jwt.hpp): what the
// hub's tests (tests/unit/hub/auth) do not cover: JWKS keys picked by kid.
#include "security/jwt.hpp"

#include <gtest/gtest.h>

#include <openssl/bn.h>
#include <openssl/core_names.h>

#include "unit/hub/auth/jwt_test_keys.hpp"

namespace strata::security::jwt {
namespace {

using test::sign_jwt;

constexpr std::int64_t kNow = 1'800'000'000;

std::string b64url_of(const std::string& raw) { return test::b64url(raw); }

// A JWK (JSON text) of a public key, computed from the key itself.
std::string jwk_of(const std::string& public_pem, const std::string& kid, bool ec,
                   const std::string& alg = "") {
  BIO* bio = BIO_new_mem_buf(public_pem.data(), int(public_pem.size()));
  EVP_PKEY* k = PEM_read_bio_PUBKEY(bio, nullptr, nullptr, nullptr);
  BIO_free(bio);
  std::string out = "{\"kid\":\"" + kid + "\"" + (alg.empty() ? "" : ",\"alg\":\"" + alg + "\"");
  if (ec) {
    unsigned char pt[65];
    std::size_t n = 0;
    EVP_PKEY_get_octet_string_param(k, OSSL_PKEY_PARAM_PUB_KEY, pt, sizeof pt, &n);
    std::string p(reinterpret_cast<char*>(pt), n);
    out += ",\"kty\":\"EC\",\"crv\":\"P-256\",\"x\":\"" + b64url_of(p.substr(1, 32)) + "\",\"y\":\"" +
           b64url_of(p.substr(33, 32)) + "\"}";
  } else {
    BIGNUM* n = nullptr;
    BIGNUM* e = nullptr;
    EVP_PKEY_get_bn_param(k, OSSL_PKEY_PARAM_RSA_N, &n);
    EVP_PKEY_get_bn_param(k, OSSL_PKEY_PARAM_RSA_E, &e);
    std::string nb(std::size_t(BN_num_bytes(n)), '\0'), eb(std::size_t(BN_num_bytes(e)), '\0');
    BN_bn2bin(n, reinterpret_cast<unsigned char*>(nb.data()));
    BN_bn2bin(e, reinterpret_cast<unsigned char*>(eb.data()));
    BN_free(n);
    BN_free(e);
    out += ",\"kty\":\"RSA\",\"n\":\"" + b64url_of(nb) + "\",\"e\":\"" + b64url_of(eb) + "\"}";
  }
  EVP_PKEY_free(k);
  return out;
}

// A token whose header carries a kid (libjwt's jwt_add_header).
std::string sign_kid(jwt_alg_t alg, const std::string& key, const std::string& kid,
                     const std::string& claims) {
  jwt_t* j = nullptr;
  jwt_new(&j);
  std::unique_ptr<jwt_t, void (*)(jwt_t*)> guard(j, jwt_free);
  jwt_add_grants_json(j, claims.c_str());
  jwt_add_header(j, "kid", kid.c_str());
  jwt_set_alg(j, alg, reinterpret_cast<const unsigned char*>(key.data()), int(key.size()));
  char* s = jwt_encode_str(j);
  std::string out(s);
  std::free(s);
  return out;
}

const test::PemPair& rsa() {
  static const test::PemPair p = test::make_pem_pair("RSA");
  return p;
}
const test::PemPair& rsa2() {
  static const test::PemPair p = test::make_pem_pair("RSA");
  return p;
}
const test::PemPair& ec() {
  static const test::PemPair p = test::make_pem_pair("EC");
  return p;
}

TEST(Jwks, ParsesRsaAndEcKeysByKid) {
  auto keys = parse_jwks("{\"keys\":[" + jwk_of(rsa().public_pem, "r1", false) + "," +
                             jwk_of(ec().public_pem, "e1", true, "ES256") +
                             ",{\"kty\":\"oct\",\"kid\":\"h\",\"k\":\"AA\"}" +
                             ",{\"kty\":\"RSA\",\"kid\":\"enc\",\"use\":\"enc\",\"n\":\"AQ\",\"e\":\"AQ\"}]}",
                         "jwks");
  ASSERT_EQ(keys.size(), 2u);
  EXPECT_EQ(keys[0].kid, "r1");
  EXPECT_EQ(keys[0].alg, "RS256");
  EXPECT_EQ(keys[1].alg, "ES256");
  EXPECT_NO_THROW(check_public_pem(keys[0].pem, false, "k"));
  EXPECT_NO_THROW(check_public_pem(keys[1].pem, true, "k"));
}

TEST(Jwks, Errors) {
  EXPECT_THROW(parse_jwks("nope", "j"), std::runtime_error);
  EXPECT_THROW(parse_jwks("{\"keys\":{}}", "j"), std::runtime_error);
  EXPECT_THROW(parse_jwks("{\"keys\":[]}", "j"), std::runtime_error);
  EXPECT_THROW(parse_jwks("{\"keys\":[{\"kty\":\"EC\",\"crv\":\"P-256\",\"kid\":\"a\",\"x\":\"AA\",\"y\":\"AA\"}]}", "j"),
               std::runtime_error);
  auto dup = "{\"keys\":[" + jwk_of(rsa().public_pem, "r", false) + "," +
             jwk_of(rsa2().public_pem, "r", false) + "]}";
  EXPECT_THROW(parse_jwks(dup, "j"), std::runtime_error);
}

TEST(Jwks, VerifierPicksKeyByKid) {
  Keys k;
  k.jwks = parse_jwks("{\"keys\":[" + jwk_of(rsa().public_pem, "r1", false) + "," +
                          jwk_of(rsa2().public_pem, "r2", false) + "," +
                          jwk_of(ec().public_pem, "e1", true) + "]}",
                      "jwks");
  Verifier v(k, Options{}, [] { return kNow; });
  EXPECT_TRUE(v.verify(sign_kid(JWT_ALG_RS256, rsa().private_pem, "r1", R"({"sub":"a"})")).ok());
  EXPECT_TRUE(v.verify(sign_kid(JWT_ALG_RS256, rsa2().private_pem, "r2", R"({"sub":"a"})")).ok());
  EXPECT_TRUE(v.verify(sign_kid(JWT_ALG_ES256, ec().private_pem, "e1", R"({"sub":"a"})")).ok());
  // The other key's kid: bad signature.
  EXPECT_EQ(v.verify(sign_kid(JWT_ALG_RS256, rsa().private_pem, "r2", R"({"sub":"a"})")).reason,
            "bad signature");
  // An RSA kid for an ES256 token: refused before any signature check.
  EXPECT_EQ(v.verify(sign_kid(JWT_ALG_ES256, ec().private_pem, "r1", R"({"sub":"a"})")).reason,
            "kid r1 is not a ES256 key");
  // Unknown kid and no key file for the alg.
  EXPECT_EQ(v.verify(sign_kid(JWT_ALG_RS256, rsa().private_pem, "zz", R"({"sub":"a"})")).reason,
            "no key configured for RS256");
}

TEST(Jwt, ClaimsExpiryAudienceIssuer) {
  Keys k;
  k.hs256_secret = "secret";
  std::int64_t now = kNow;
  Verifier v(k, Options{"api", "me", 10}, [&] { return now; });
  auto good = sign_jwt(JWT_ALG_HS256, "secret",
                       R"({"sub":"u","aud":["x","api"],"iss":"me","exp":1800000005,"n":3})");
  auto r = v.verify(good);
  ASSERT_TRUE(r.ok()) << r.reason;
  EXPECT_NE(r.claims_json.find("\"n\":3"), std::string::npos);
  now = kNow + 15;  // exp + leeway
  EXPECT_EQ(v.verify(good).status, Status::expired);
  now = kNow;
  EXPECT_EQ(v.verify(sign_jwt(JWT_ALG_HS256, "secret", R"({"aud":"web","iss":"me"})")).reason,
            "audience mismatch");
  EXPECT_EQ(v.verify(sign_jwt(JWT_ALG_HS256, "secret", R"({"aud":"api","iss":"you"})")).reason,
            "issuer mismatch");
  EXPECT_EQ(v.verify(sign_jwt(JWT_ALG_HS256, "wrong", R"({"aud":"api","iss":"me"})")).reason,
            "bad signature");
}

}  // namespace
}  // namespace strata::security::jwt
