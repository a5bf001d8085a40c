#include "hub/auth/jwt_verifier.hpp"

#include <fstream>

#include <gtest/gtest.h>

#include "config/hub.hpp"
#include "unit/hub/auth/jwt_test_keys.hpp"
#include "unit/support/temp_dir.hpp"

namespace strata::hub::auth {
namespace {

using test::sign_jwt;

constexpr std::int64_t kNow = 1'800'000'000;
const std::string kSecret = "s3cret-for-tests-only";

const test::PemPair& rsa() {
  static const test::PemPair p = test::make_pem_pair("RSA");
  return p;
}
const test::PemPair& rsa_other() {
  static const test::PemPair p = test::make_pem_pair("RSA");
  return p;
}
const test::PemPair& ec() {
  static const test::PemPair p = test::make_pem_pair("EC");
  return p;
}

class JwtVerifierTest : public ::testing::Test {
 protected:
  std::int64_t now = kNow;
  config::HubJwt opts;
  std::shared_ptr<const TokenVerifier> make(JwtKeys k) {
    return make_jwt_verifier(std::move(k), opts, [this] { return now; });
  }
  std::shared_ptr<const TokenVerifier> all() {
    return make({kSecret, rsa().public_pem, ec().public_pem});
  }
};

TEST_F(JwtVerifierTest, GoodHs256ExtractsClaims) {
  auto v = all();
  auto tok = sign_jwt(JWT_ALG_HS256, kSecret,
                      R"({"sub":"u1","exp":1800000060,"info":{"name": "Ann", "n": [1, 2]},)"
                      R"("channels":["a","chat:b"]})");
  auto r = v->verify(tok);
  ASSERT_TRUE(r.ok()) << r.reason;
  EXPECT_EQ(r.claims.user, "u1");
  EXPECT_EQ(r.claims.info, R"({"n":[1,2],"name":"Ann"})");
  EXPECT_EQ(r.claims.channels, (std::vector<std::string>{"a", "chat:b"}));
  ASSERT_TRUE(r.claims.exp);
  EXPECT_EQ(*r.claims.exp, 1800000060);
  EXPECT_EQ(r.error(), Error::none);
  EXPECT_EQ(v->now(), kNow);
}

TEST_F(JwtVerifierTest, GoodRs256AndEs256) {
  auto v = all();
  auto r1 = v->verify(sign_jwt(JWT_ALG_RS256, rsa().private_pem, R"({"sub":"r"})"));
  ASSERT_TRUE(r1.ok()) << r1.reason;
  EXPECT_EQ(r1.claims.user, "r");
  EXPECT_FALSE(r1.claims.exp);
  auto r2 = v->verify(sign_jwt(JWT_ALG_ES256, ec().private_pem, R"({"sub":"e"})"));
  ASSERT_TRUE(r2.ok()) << r2.reason;
  EXPECT_EQ(r2.claims.user, "e");
}

TEST_F(JwtVerifierTest, ExpiredWithLeeway) {
  auto tok = sign_jwt(JWT_ALG_HS256, kSecret, R"({"sub":"u1","exp":1800000000})");
  auto v = all();
  now = kNow - 1;
  EXPECT_TRUE(v->verify(tok).ok());
  now = kNow;  // now == exp: expired
  auto r = v->verify(tok);
  EXPECT_EQ(r.status, TokenStatus::expired);
  EXPECT_EQ(r.error(), Error::token_expired);
  EXPECT_EQ(r.close_code(), close_code::token_expired);
  opts.leeway = std::chrono::seconds(30);
  auto lenient = all();
  now = kNow + 29;
  EXPECT_TRUE(lenient->verify(tok).ok());
  now = kNow + 30;
  EXPECT_EQ(lenient->verify(tok).status, TokenStatus::expired);
}

TEST_F(JwtVerifierTest, NotYetValid) {
  auto tok = sign_jwt(JWT_ALG_HS256, kSecret, R"({"sub":"u1","nbf":1800000100})");
  auto v = all();
  auto r = v->verify(tok);
  EXPECT_EQ(r.status, TokenStatus::invalid);
  EXPECT_EQ(r.reason, "token not yet valid");
  EXPECT_EQ(r.close_code(), close_code::unauthorized);
  now = kNow + 100;
  EXPECT_TRUE(v->verify(tok).ok());
  opts.leeway = std::chrono::seconds(100);
  now = kNow;
  EXPECT_TRUE(all()->verify(tok).ok());
}

TEST_F(JwtVerifierTest, WrongKey) {
  auto v = all();
  EXPECT_EQ(v->verify(sign_jwt(JWT_ALG_HS256, "other-secret", R"({"sub":"u"})")).reason, "bad signature");
  EXPECT_EQ(v->verify(sign_jwt(JWT_ALG_RS256, rsa_other().private_pem, R"({"sub":"u"})")).reason,
            "bad signature");
  // A tampered payload with the original signature.
  auto tok = sign_jwt(JWT_ALG_RS256, rsa().private_pem, R"({"sub":"u"})");
  auto d1 = tok.find('.'), d2 = tok.rfind('.');
  auto forged = tok.substr(0, d1 + 1) + test::b64url(R"({"sub":"admin"})") + tok.substr(d2);
  EXPECT_EQ(v->verify(forged).status, TokenStatus::invalid);
}

TEST_F(JwtVerifierTest, AlgConfusionRefused) {
  // HS256 token whose HMAC secret is the RS256 public key PEM (which an
  // attacker knows): must never verify, whatever else is configured.
  auto tok = sign_jwt(JWT_ALG_HS256, rsa().public_pem, R"({"sub":"admin"})");
  auto only_rsa = make({"", rsa().public_pem, ""});
  auto r = only_rsa->verify(tok);
  EXPECT_EQ(r.status, TokenStatus::invalid);
  EXPECT_EQ(r.reason, "no key configured for HS256");
  EXPECT_FALSE(all()->verify(tok).ok());
  auto ec_tok = sign_jwt(JWT_ALG_HS256, ec().public_pem, R"({"sub":"admin"})");
  EXPECT_FALSE(all()->verify(ec_tok).ok());
  // RS256 token checked against the EC key (only ES256 configured): refused.
  auto rs_tok = sign_jwt(JWT_ALG_RS256, rsa().private_pem, R"({"sub":"u"})");
  EXPECT_EQ(make({"", "", ec().public_pem})->verify(rs_tok).reason, "no key configured for RS256");
  // An ES256 header on an RS256 signature.
  auto d1 = rs_tok.find('.');
  auto relabeled = test::b64url(R"({"alg":"ES256","typ":"JWT"})") + rs_tok.substr(d1);
  EXPECT_FALSE(all()->verify(relabeled).ok());
}

TEST_F(JwtVerifierTest, AlgNoneAndOthersRefused) {
  auto v = all();
  auto claims = test::b64url(R"({"sub":"admin"})");
  EXPECT_EQ(v->verify(test::b64url(R"({"alg":"none"})") + "." + claims + ".").reason, "unsupported alg none");
  EXPECT_EQ(v->verify(test::b64url(R"({"alg":"none"})") + "." + claims + ".x").reason, "unsupported alg none");
  EXPECT_EQ(v->verify(test::b64url(R"({"alg":"NONE"})") + "." + claims + ".").status, TokenStatus::invalid);
  EXPECT_EQ(v->verify(sign_jwt(JWT_ALG_HS512, kSecret, R"({"sub":"u"})")).reason, "unsupported alg HS512");
  EXPECT_EQ(v->verify(test::b64url(R"({"typ":"JWT"})") + "." + claims + ".x").reason, "token header has no alg");
  // Signature stripped from a valid HS256 token.
  auto tok = sign_jwt(JWT_ALG_HS256, kSecret, R"({"sub":"u"})");
  EXPECT_FALSE(v->verify(tok.substr(0, tok.rfind('.') + 1)).ok());
}

TEST_F(JwtVerifierTest, AudienceAndIssuer) {
  opts.audience = "strata";
  opts.issuer = "auth.example";
  auto v = all();
  auto sign = [](const std::string& c) { return sign_jwt(JWT_ALG_HS256, kSecret, c); };
  EXPECT_TRUE(v->verify(sign(R"({"sub":"u","aud":"strata","iss":"auth.example"})")).ok());
  EXPECT_TRUE(v->verify(sign(R"({"sub":"u","aud":["x","strata"],"iss":"auth.example"})")).ok());
  EXPECT_EQ(v->verify(sign(R"({"sub":"u","aud":"other","iss":"auth.example"})")).reason, "audience mismatch");
  EXPECT_EQ(v->verify(sign(R"({"sub":"u","iss":"auth.example"})")).reason, "audience mismatch");
  EXPECT_EQ(v->verify(sign(R"({"sub":"u","aud":["x"],"iss":"auth.example"})")).reason, "audience mismatch");
  EXPECT_EQ(v->verify(sign(R"({"sub":"u","aud":"strata","iss":"evil"})")).reason, "issuer mismatch");
  EXPECT_EQ(v->verify(sign(R"({"sub":"u","aud":"strata"})")).reason, "issuer mismatch");
  // An expired token with a wrong audience is reported invalid, not expired.
  EXPECT_EQ(v->verify(sign(R"({"sub":"u","aud":"x","iss":"auth.example","exp":1})")).status,
            TokenStatus::invalid);
}

TEST_F(JwtVerifierTest, GarbageAndBadClaims) {
  auto v = all();
  for (const std::string& g : std::vector<std::string>{"", "abc", "a.b", "a.b.c.d", "....", "!!.??.**", "eyJhbGciOiJIUzI1NiJ9..",
                        std::string(kMaxTokenBytes + 1, 'a')}) {
    auto r = v->verify(g);
    EXPECT_EQ(r.status, TokenStatus::invalid) << g.substr(0, 40);
    EXPECT_FALSE(r.reason.empty());
  }
  auto sign = [](const std::string& c) { return sign_jwt(JWT_ALG_HS256, kSecret, c); };
  EXPECT_EQ(v->verify(sign(R"({"sub":5})")).reason, "bad sub claim");
  EXPECT_EQ(v->verify(sign(R"({"sub":"u","info":"x"})")).reason, "bad info claim");
  EXPECT_EQ(v->verify(sign(R"({"sub":"u","channels":"a"})")).reason, "bad channels claim");
  EXPECT_EQ(v->verify(sign(R"({"sub":"u","channels":["a",1]})")).reason, "bad channels claim");
  EXPECT_EQ(v->verify(sign(R"({"sub":"u","exp":"soon"})")).reason, "bad exp claim");
  // A signed token whose payload is not a JSON object.
  auto head = test::b64url(R"({"alg":"HS256","typ":"JWT"})");
  EXPECT_EQ(v->verify(head + "." + test::b64url("[1]") + ".AAAA").status, TokenStatus::invalid);
}

TEST_F(JwtVerifierTest, SubscribeToken) {
  auto v = all();
  auto tok = sign_jwt(JWT_ALG_HS256, kSecret, R"({"sub":"u1","channel":"secret:room","exp":1800000100})");
  EXPECT_TRUE(v->verify_subscribe(tok, "u1", "secret:room").ok());
  EXPECT_EQ(v->verify_subscribe(tok, "u1", "secret:other").reason, "subscribe token is for another channel");
  EXPECT_EQ(v->verify_subscribe(tok, "u2", "secret:room").reason, "subscribe token is for another user");
  EXPECT_EQ(v->verify_subscribe(tok, "", "secret:room").status, TokenStatus::invalid);
  auto no_channel = sign_jwt(JWT_ALG_HS256, kSecret, R"({"sub":"u1"})");
  EXPECT_FALSE(v->verify_subscribe(no_channel, "u1", "secret:room").ok());
  auto anon = sign_jwt(JWT_ALG_HS256, kSecret, R"({"channel":"secret:room"})");
  EXPECT_TRUE(v->verify_subscribe(anon, "", "secret:room").ok());
  now = kNow + 100;
  EXPECT_EQ(v->verify_subscribe(tok, "u1", "secret:room").status, TokenStatus::expired);
  EXPECT_EQ(v->verify_subscribe(tok, "u1", "secret:x").status, TokenStatus::invalid);
  EXPECT_EQ(v->verify_subscribe(sign_jwt(JWT_ALG_HS256, "bad", R"({"sub":"u1","channel":"secret:room"})"),
                                "u1", "secret:room").status, TokenStatus::invalid);
}

TEST(JwtKeysTest, LoadFromFilesAndReload) {
  test::TempDir dir;
  auto write = [&](const std::string& name, const std::string& body) {
    std::ofstream(dir.file(name), std::ios::binary) << body;
    return dir.file(name);
  };
  config::HubConfig hub;
  auto none = make_verifier(hub);  // no jwt section: every token refused
  EXPECT_EQ(none->verify(sign_jwt(JWT_ALG_HS256, kSecret, "{}")).reason, "tokens are not configured");

  hub.jwt.emplace();
  hub.jwt->hs256_secret_file = write("secret", kSecret + "\r\n");
  hub.jwt->rs256_public_key_file = write("rs.pem", rsa().public_pem);
  hub.jwt->es256_public_key_file = write("es.pem", ec().public_pem);
  auto k = load_jwt_keys(*hub.jwt);
  EXPECT_EQ(k.hs256_secret, kSecret);
  auto v = make_verifier(hub);
  EXPECT_TRUE(v->verify(sign_jwt(JWT_ALG_HS256, kSecret, R"({"sub":"u"})")).ok());
  EXPECT_TRUE(v->verify(sign_jwt(JWT_ALG_RS256, rsa().private_pem, R"({"sub":"u"})")).ok());

  // Reload: a new verifier re-reads the files; the old one keeps its keys.
  write("secret", "rotated\n");
  auto v2 = make_verifier(hub);
  EXPECT_FALSE(v2->verify(sign_jwt(JWT_ALG_HS256, kSecret, R"({"sub":"u"})")).ok());
  EXPECT_TRUE(v2->verify(sign_jwt(JWT_ALG_HS256, "rotated", R"({"sub":"u"})")).ok());
  EXPECT_TRUE(v->verify(sign_jwt(JWT_ALG_HS256, kSecret, R"({"sub":"u"})")).ok());

  // Bad files are reported with the file's name.
  auto bad = *hub.jwt;
  bad.rs256_public_key_file = dir.file("missing.pem");
  EXPECT_THROW(load_jwt_keys(bad), std::runtime_error);
  bad = *hub.jwt;
  bad.rs256_public_key_file = write("wrong.pem", ec().public_pem);  // EC key as the RSA key
  EXPECT_THROW(make_jwt_verifier(load_jwt_keys(bad), bad), std::runtime_error);
  bad = *hub.jwt;
  bad.es256_public_key_file = write("priv.pem", "not a pem");
  EXPECT_THROW(make_jwt_verifier(load_jwt_keys(bad), bad), std::runtime_error);
  bad = *hub.jwt;
  bad.hs256_secret_file = write("empty", "\n");
  EXPECT_THROW(load_jwt_keys(bad), std::runtime_error);
  EXPECT_THROW(load_jwt_keys(config::HubJwt{}), std::runtime_error);
}

}  // namespace
}  // namespace strata::hub::auth
