#include "upstream/request_builder.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "filter/forwarding/forwarded.hpp"
#include "filter/forwarding/request_id.hpp"
#include "filter/forwarding/traceparent.hpp"

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
  core::FastRng rng(1);
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
  core::FastRng rng(1);
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

// The builder's fields as the forwarding helpers make them one after the
// other (a pass over the list each: the builder before it became one pass).
http::Headers reference_fields(const http::Request& req, const http::ConnInfo& conn, bool h2_upstream,
                               core::FastRng& rng, const http::RequestContext* ctx) {
  namespace fwd = filter::forwarding;
  http::Headers h = req.headers;
  h.remove("host");
  h.remove("content-length");
  // Hop-by-hop fields as the builder removed them before HopByHop existed:
  // the joined Connection list's tokens, then the fixed names.
  const auto tokens = [](std::string list) {
    std::vector<std::string> out;
    std::size_t at = 0;
    while (at <= list.size()) {
      auto end = list.find(',', at);
      if (end == std::string::npos) end = list.size();
      std::string t = list.substr(at, end - at);
      if (const auto semi = t.find(';'); semi != std::string::npos) t.resize(semi);
      while (!t.empty() && (t.front() == ' ' || t.front() == '\t')) t.erase(0, 1);
      while (!t.empty() && (t.back() == ' ' || t.back() == '\t')) t.pop_back();
      if (!t.empty()) out.push_back(t);
      at = end + 1;
    }
    return out;
  };
  bool trailers = false;
  for (const auto& t : tokens(h.joined("te")))
    if (http::iequals(t, "trailers")) trailers = true;
  for (const auto& t : tokens(h.joined("connection"))) h.remove(t);
  for (const char* name : {"connection", "keep-alive", "proxy-connection", "transfer-encoding", "upgrade",
                           "http2-settings", "te"})
    h.remove(name);
  if (trailers && h2_upstream) h.add("te", "trailers");
  fwd::append_forwarded_for(h, conn.peer_ip);
  if (h.has("forwarded")) fwd::append_forwarded(h, conn.peer_ip);
  fwd::set_forwarded_proto(h, conn.tls ? "https" : (req.scheme.empty() ? "http" : req.scheme));
  fwd::set_real_ip(h, ctx && !ctx->client_ip.empty() ? ctx->client_ip.view() : std::string_view(conn.peer_ip));
  fwd::append_via(h, req.protocol);
  if (ctx && !ctx->traceparent.empty()) {
    h.set("traceparent", ctx->traceparent.view());
    if (!ctx->keep_tracestate) h.remove("tracestate");
  } else {
    fwd::propagate_traceparent(h, rng);
  }
  if (ctx && !ctx->request_id.empty()) h.set("x-request-id", ctx->request_id.view());
  else fwd::ensure_request_id(h, rng);
  return h;
}

std::vector<std::pair<std::string, std::string>> fields(const http::Headers& h) {
  std::vector<std::pair<std::string, std::string>> out;
  for (const auto& f : h) out.emplace_back(std::string(f.name), std::string(f.value));
  return out;
}

[[gnu::noinline]] http::Request request_for(int round) {
  http::Request r;
  r.method = "GET";
  r.target = "/x";
  r.protocol = round % 3 == 0 ? http::Protocol::h2 : http::Protocol::http11;
  r.scheme = round % 5 == 0 ? "" : "http";
  return r;
}

TEST(UpstreamRequestBuilder, OnePassGivesWhatTheHelpersGiveInTurn) {
  // Field lists drawn from names the builder treats specially, in varied
  // order, case and number, with and without a request context.
  const std::vector<std::pair<std::string, std::string>> vocabulary = {
      {"accept", "*/*"}, {"Host", "a.test"}, {"content-length", "0"}, {"connection", "keep-alive, X-Drop"},
      {"connection", "close"}, {"x-drop", "1"}, {"keep-alive", "timeout=5"}, {"te", "trailers, gzip;q=0.5"},
      {"te", "gzip"}, {"transfer-encoding", "chunked"}, {"upgrade", "websocket"}, {"proxy-connection", "x"},
      {"http2-settings", "AAMAAABkAAQAAP__"}, {"X-Forwarded-For", "198.51.100.7"}, {"x-forwarded-for", ""},
      {"forwarded", "for=198.51.100.7"}, {"x-forwarded-proto", "http"}, {"x-real-ip", "1.2.3.4"},
      {"via", "1.1 edge"}, {"traceparent", "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"},
      {"tracestate", "a=1"}, {"x-request-id", "abc-123"}, {"x-request-id", "bad id with spaces"},
      {"cookie", "a=1"}, {"user-agent", "t"}, {"connection", "via, traceparent"},
      {"connection", "X-Forwarded-For, forwarded;x=1"}, {"Connection", " x-request-id ,TE, host"},
      {"cookie", std::string(700, 'c')}};
  std::mt19937_64 pick(42);
  pool::UpstreamRequest u;
  u.headers.add("stale", "from a request before");
  for (int round = 0; round < 400; ++round) {
    http::Request r = request_for(round);
    const std::size_t n = pick() % 12;
    for (std::size_t i = 0; i < n; ++i) {
      const auto& [name, value] = vocabulary[pick() % vocabulary.size()];
      r.headers.add(name, value);
    }
    http::ConnInfo c;
    c.peer_ip = round % 2 ? "2001:db8::9" : "10.0.0.2";
    c.tls = round % 4 == 1;
    http::RequestContext ctx;
    const bool with_ctx = round % 3 != 2;
    if (with_ctx) {
      if (pick() % 2) ctx.client_ip.assign("203.0.113.9");
      if (pick() % 2) ctx.traceparent.assign("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01");
      ctx.keep_tracestate = pick() % 2;
      if (pick() % 2) ctx.request_id.assign("rid-7");
    }
    const bool h2_upstream = pick() % 2;
    core::FastRng rng_a(round), rng_b(round);
    const auto want = reference_fields(r, c, h2_upstream, rng_a, with_ctx ? &ctx : nullptr);
    // One request object for all rounds, as a worker reuses it (its fields
    // from the round before must not show).
    build_upstream_request(u, r, c, {}, "", h2_upstream, rng_b, with_ctx ? &ctx : nullptr);
    ASSERT_EQ(fields(u.headers), fields(want)) << "round " << round;
  }
}

}  // namespace
}  // namespace strata::upstream
