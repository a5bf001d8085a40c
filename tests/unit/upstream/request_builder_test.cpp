#include "upstream/request_builder.hpp"

#include <gtest/gtest.h>

namespace strata::upstream {
namespace {

TEST(UpstreamRequestBuilder, RewriteTarget) {
  const std::optional<std::string> none;
  EXPECT_EQ(rewrite_target("/api/x?q=1", "/api", std::string("/v2")), "/v2/x?q=1");
  EXPECT_EQ(rewrite_target("/api/x", "/api", std::string("/")), "/x");
  EXPECT_EQ(rewrite_target("/api", "/api", std::string("")), "/");
  EXPECT_EQ(rewrite_target("/other", "/api", std::string("/v2")), "/other");
  EXPECT_EQ(rewrite_target("/api/x", "/api", none), "/api/x");
}

TEST(UpstreamRequestBuilder, LbKeyHeaderCookieFallback) {
  http::Request r;
  http::ConnInfo c;
  c.peer_ip = "192.0.2.1";
  r.headers.add("x-user", "alice");
  r.headers.add("cookie", "a=1; session=xyz; b=2");
  config::HashOn h{config::HashOn::Kind::header, "x-user"};
  EXPECT_EQ(lb_key(r, c, h), "alice");
  config::HashOn k{config::HashOn::Kind::cookie, "session"};
  EXPECT_EQ(lb_key(r, c, k), "xyz");
  config::HashOn missing{config::HashOn::Kind::cookie, "nope"};
  EXPECT_EQ(lb_key(r, c, missing), "192.0.2.1");
  EXPECT_EQ(lb_key(r, c, std::nullopt), "192.0.2.1");
}

TEST(UpstreamRequestBuilder, StripsHopByHopAndFraming) {
  http::Request r;
  r.method = "POST";
  r.target = "/";
  r.authority = "a.test";
  r.headers.add("te", "trailers");
  r.headers.add("transfer-encoding", "chunked");
  r.headers.add("content-length", "5");
  http::ConnInfo c;
  c.peer_ip = "::1";
  c.tls = true;
  std::mt19937_64 rng(1);
  auto h1 = build_upstream_request(r, c, {}, "", false, rng);
  EXPECT_FALSE(h1.headers.has("te"));
  EXPECT_FALSE(h1.headers.has("transfer-encoding"));
  EXPECT_FALSE(h1.headers.has("content-length"));
  EXPECT_EQ(h1.headers.get("x-forwarded-proto"), "https");
  EXPECT_EQ(h1.authority, "a.test");
  auto h2 = build_upstream_request(r, c, {}, "", true, rng);
  EXPECT_EQ(h2.headers.get("te"), "trailers");
}

TEST(UpstreamRequestBuilder, ClientAddressFromTheContext) {
  http::Request r;
  r.method = "GET";
  r.target = "/";
  r.headers.add("x-forwarded-for", "203.0.113.9");
  r.headers.add("forwarded", "for=203.0.113.9");
  http::ConnInfo c;
  c.peer_ip = "10.0.0.2";  // a trusted proxy
  http::RequestContext ctx;
  ctx.client_ip.assign("203.0.113.9");
  std::mt19937_64 rng(1);
  auto u = build_upstream_request(r, c, {}, "", false, rng, &ctx);
  EXPECT_EQ(u.headers.get("x-real-ip"), "203.0.113.9");
  EXPECT_EQ(u.headers.joined("x-forwarded-for"), "203.0.113.9, 10.0.0.2");
  EXPECT_EQ(u.headers.joined("forwarded"), "for=203.0.113.9, for=10.0.0.2");
  // No Forwarded in: none added.
  http::Request plain;
  plain.method = "GET";
  c.peer_ip = "2001:db8::1";
  auto p = build_upstream_request(plain, c, {}, "", false, rng);
  EXPECT_FALSE(p.headers.has("forwarded"));
  EXPECT_EQ(p.headers.get("x-real-ip"), "2001:db8::1");
  // ring_hash on the client address.
  EXPECT_EQ(lb_key(r, c, std::nullopt, ctx.client_ip.view()), "203.0.113.9");
}

}  // namespace
}  // namespace strata::upstream
