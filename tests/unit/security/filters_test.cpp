// The security filters of the tls part (security/jwt_filter, client_cert_filter,
// hsts_filter) against a fake exchange.
#include <gtest/gtest.h>

#include <fstream>

#include <boost/asio/io_context.hpp>

#include "security/client_cert_filter.hpp"
#include "security/filters.hpp"
#include "security/hsts_filter.hpp"
#include "security/jwt_filter.hpp"
#include "unit/hub/auth/jwt_test_keys.hpp"
#include "unit/support/fake_exchange.hpp"
#include "unit/support/temp_dir.hpp"

namespace strata::security {
namespace {

using filter::Phase;
constexpr std::int64_t kNow = 1'800'000'000;

struct JwtFixture : ::testing::Test {
  boost::asio::io_context io;
  test::TempDir dir;
  config::RouteJwt cfg;
  void SetUp() override {
    std::ofstream(dir.file("secret")) << "top-secret\n";
    cfg.hs256_secret_file = dir.file("secret");
    cfg.audience = "api";
    cfg.claims_to_headers = {{"sub", "x-user"}, {"roles", "x-roles"}};
  }
  JwtFilter make() { return JwtFilter(cfg, "r", [] { return kNow; }); }
  std::string tok(const std::string& claims, const std::string& key = "top-secret") {
    return test::sign_jwt(JWT_ALG_HS256, key, claims);
  }
};

TEST_F(JwtFixture, ValidTokenSetsClaimHeadersAndContext) {
  auto f = make();
  test::FakeExchange ex(io);
  ex.req.headers.add("authorization", "Bearer " + tok(R"({"sub":"alice","aud":"api","roles":["a","b"]})"));
  ex.req.headers.add("x-user", "mallory");  // a client's own copy: replaced
  ex.req.headers.add("x-roles", "admin");   // and this one too
  http::RequestContext ctx;
  EXPECT_FALSE(f.on_request(Phase::request_post_route, ex, ctx));
  EXPECT_EQ(ex.req.headers.joined("x-user"), "alice");
  EXPECT_EQ(ex.req.headers.joined("x-roles"), R"(["a","b"])");
  EXPECT_EQ(ctx.jwt_claim("sub"), std::optional<std::string_view>("alice"));
  EXPECT_EQ(ctx.jwt_claim("aud"), std::optional<std::string_view>("api"));
  EXPECT_FALSE(ctx.jwt_claim("nope"));
}

TEST_F(JwtFixture, ClaimAbsentRemovesClientHeader) {
  auto f = make();
  test::FakeExchange ex(io);
  ex.req.headers.add("authorization", "bearer " + tok(R"({"sub":"alice","aud":"api"})"));
  ex.req.headers.add("x-roles", "admin");
  http::RequestContext ctx;
  EXPECT_FALSE(f.on_request(Phase::request_post_route, ex, ctx));
  EXPECT_FALSE(ex.req.headers.has("x-roles"));
}

TEST_F(JwtFixture, FailuresAre401WithChallenge) {
  auto f = make();
  struct Case {
    std::string auth;
    std::string_view reason;
    std::string challenge;
  } cases[] = {
      {"", "jwt-missing", "Bearer"},
      {"Bearer " + tok(R"({"aud":"api"})", "other"), "jwt-invalid", "Bearer error=\"invalid_token\""},
      {"Bearer " + tok(R"({"aud":"web"})"), "jwt-invalid", "Bearer error=\"invalid_token\""},
      {"Bearer " + tok(R"({"aud":"api","exp":1700000000})"), "jwt-expired",
       "Bearer error=\"invalid_token\", error_description=\"token expired\""},
      {"Bearer not.a.token", "jwt-invalid", "Bearer error=\"invalid_token\""},
  };
  for (const auto& c : cases) {
    test::FakeExchange ex(io);
    if (!c.auth.empty()) ex.req.headers.add("authorization", c.auth);
    ex.req.headers.add("x-user", "mallory");
    http::RequestContext ctx;
    auto r = f.on_request(Phase::request_post_route, ex, ctx);
    EXPECT_EQ(r.status, 401) << c.reason;
    EXPECT_EQ(r.reason, c.reason);
    EXPECT_FALSE(ex.req.headers.has("x-user"));
    EXPECT_FALSE(ctx.jwt);
    ctx.local_reason.assign(r.reason);
    http::Response resp;
    resp.status = 401;
    f.on_local_reply(ctx, resp);
    EXPECT_EQ(resp.headers.joined("www-authenticate"), c.challenge);
  }
}

TEST_F(JwtFixture, TokenFromCookie) {
  cfg.cookie = "session";
  auto f = make();
  test::FakeExchange ex(io);
  ex.req.headers.add("cookie", "a=b; session=" + tok(R"({"sub":"c","aud":"api"})") + "; z=1");
  http::RequestContext ctx;
  EXPECT_FALSE(f.on_request(Phase::request_post_route, ex, ctx));
  EXPECT_EQ(ctx.jwt_claim("sub"), std::optional<std::string_view>("c"));
}

TEST_F(JwtFixture, UnreadableKeyThrows) {
  cfg.hs256_secret_file = dir.file("missing");
  EXPECT_THROW(make(), std::runtime_error);
}

TEST(ClientCertFilters, HeadersStrippedThenSetFromVerifiedCert) {
  boost::asio::io_context io;
  config::ClientCertificates cc;
  cc.mode = "optional";
  ClientCertHeaders f(cc);
  test::FakeExchange anon(io);
  anon.req.headers.add("x-client-cert-subject", "CN=forged");
  anon.req.headers.add("x-client-cert-san", "DNS:forged");
  http::RequestContext ctx;
  EXPECT_FALSE(f.on_request(Phase::request_pre_route, anon, ctx));
  EXPECT_FALSE(anon.req.headers.has("x-client-cert-subject"));
  EXPECT_FALSE(anon.req.headers.has("x-client-cert-san"));
  test::FakeExchange ex(io);
  ex.conn_info.client_cert_verified = true;
  ex.conn_info.client_cert_subject = "CN=alice,O=Example";
  ex.conn_info.client_cert_san = "DNS:alice.example, email:a@example.com";
  ex.req.headers.add("x-client-cert-subject", "CN=forged");
  EXPECT_FALSE(f.on_request(Phase::request_pre_route, ex, ctx));
  EXPECT_EQ(ex.req.headers.joined("x-client-cert-subject"), "CN=alice,O=Example");
  EXPECT_EQ(ex.req.headers.joined("x-client-cert-san"), "DNS:alice.example, email:a@example.com");
}

TEST(ClientCertFilters, RequireSubject) {
  boost::asio::io_context io;
  ClientSubject f("CN=alice,O=Example|CN=bob,.*");
  http::RequestContext ctx;
  test::FakeExchange none(io);
  EXPECT_EQ(f.on_request(Phase::request_post_route, none, ctx).status, 403);
  test::FakeExchange alice(io);
  alice.conn_info.client_cert_verified = true;
  alice.conn_info.client_cert_subject = "CN=alice,O=Example";
  EXPECT_FALSE(f.on_request(Phase::request_post_route, alice, ctx));
  alice.conn_info.client_cert_subject = "CN=alice,O=Example,C=X";  // full match only
  EXPECT_EQ(f.on_request(Phase::request_post_route, alice, ctx).status, 403);
  alice.conn_info.client_cert_subject = "CN=bob,O=Other";
  EXPECT_FALSE(f.on_request(Phase::request_post_route, alice, ctx));
  alice.conn_info.client_cert_verified = false;
  EXPECT_EQ(f.on_request(Phase::request_post_route, alice, ctx).status, 403);
  EXPECT_THROW(ClientSubject("("), std::invalid_argument);
}

TEST(Hsts, OnlyOverTls) {
  config::Hsts h;
  h.include_subdomains = true;
  HstsFilter f(h);
  EXPECT_EQ(f.value(), "max-age=31536000; includeSubDomains");
  h.preload = true;
  EXPECT_EQ(HstsFilter(h).value(), "max-age=31536000; includeSubDomains; preload");
  http::Request req;
  http::RequestContext ctx;
  http::Response r;
  req.scheme = "http";
  f.on_response_head(req, ctx, r);
  EXPECT_FALSE(r.headers.has("strict-transport-security"));
  req.scheme = "https";
  f.on_response_head(req, ctx, r);
  EXPECT_EQ(r.headers.joined("strict-transport-security"), "max-age=31536000; includeSubDomains");
}

TEST(SecurityFilters, BuiltFromConfig) {
  config::Route r;
  EXPECT_TRUE(route_filters(r, "r").empty());
  r.security.require_client_subject = "CN=.*";
  r.security.hsts = config::Hsts{};
  auto fs = route_filters(r, "r");
  ASSERT_EQ(fs.size(), 2u);
  EXPECT_EQ(fs[0]->name(), "client_subject");
  EXPECT_EQ(fs[1]->name(), "hsts");
  config::Listener l;
  EXPECT_TRUE(listener_filters(l).empty());
  l.tls.emplace();
  l.tls->client_certificates.mode = "required";
  ASSERT_EQ(listener_filters(l).size(), 1u);
}

}  // namespace
}  // namespace strata::security
