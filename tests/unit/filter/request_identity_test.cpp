// The request identity is decided once per request and every upstream copy
// of the request carries it (the bug of issue 10: one id per tier).
#include <gtest/gtest.h>

#include <random>

#include "filter/forwarding/request_id.hpp"
#include "filter/forwarding/traceparent.hpp"
#include "filter/request_identity.hpp"
#include "upstream/request_builder.hpp"

using namespace strata;

namespace {
constexpr std::string_view kTp = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
}

TEST(RequestIdentity, KeepsAValidIncomingIdAndTrace) {
  http::Request req;
  req.headers.add("x-request-id", "abc-123");
  req.headers.add("traceparent", kTp);
  http::RequestContext ctx;
  filter::assign_identity(req, ctx);
  EXPECT_EQ(ctx.request_id.view(), "abc-123");
  EXPECT_EQ(ctx.trace_id(), "4bf92f3577b34da6a3ce929d0e0e4736");
  EXPECT_TRUE(ctx.keep_tracestate);
  EXPECT_TRUE(filter::forwarding::valid_traceparent(ctx.traceparent.view()));
  EXPECT_EQ(ctx.traceparent.view().substr(53), "01");
  EXPECT_NE(ctx.traceparent.view().substr(36, 16), "00f067aa0ba902b7");  // strata's own span
  EXPECT_TRUE(req.headers.get("x-request-id") == std::optional<std::string_view>("abc-123"));
}

TEST(RequestIdentity, GeneratesWhenMissingOrInvalid) {
  http::Request req;
  req.headers.add("x-request-id", "bad id with spaces");
  req.headers.add("traceparent", "garbage");
  http::RequestContext a, b;
  filter::assign_identity(req, a);
  filter::assign_identity(req, b);
  EXPECT_EQ(a.request_id.view().size(), 36u);
  EXPECT_TRUE(filter::forwarding::valid_request_id(a.request_id.view()));
  EXPECT_EQ(a.request_id.view()[14], '4');  // UUID version 4
  EXPECT_NE(a.request_id.view(), b.request_id.view());
  EXPECT_FALSE(a.keep_tracestate);
  EXPECT_TRUE(filter::forwarding::valid_traceparent(a.traceparent.view()));
  EXPECT_NE(a.trace_id(), b.trace_id());
  // The downstream request is not changed.
  EXPECT_TRUE(req.headers.get("x-request-id") ==
              std::optional<std::string_view>("bad id with spaces"));
}

TEST(RequestIdentity, EveryUpstreamCopyCarriesTheSameIdentity) {
  http::Request req;
  req.method = "GET";
  req.target = "/x";
  req.authority = "a.example";
  req.headers.add("tracestate", "k=v");
  http::ConnInfo conn;
  conn.peer_ip = "192.0.2.1";
  http::RequestContext ctx;
  filter::assign_identity(req, ctx);
  config::ProxyAction action;
  core::FastRng rng(7);
  // Two tiers (an h1 and an h2 cluster) and a retry: one id, one traceparent.
  auto t1 = upstream::build_upstream_request(req, conn, action, "", false, rng, &ctx);
  auto t2 = upstream::build_upstream_request(req, conn, action, "", true, rng, &ctx);
  auto t3 = upstream::build_upstream_request(req, conn, action, "", false, rng, &ctx);
  for (const auto* u : {&t1, &t2, &t3}) {
    EXPECT_EQ(u->headers.get("x-request-id"), std::optional<std::string_view>(ctx.request_id.view()));
    EXPECT_EQ(u->headers.get("traceparent"), std::optional<std::string_view>(ctx.traceparent.view()));
    EXPECT_FALSE(u->headers.has("tracestate"));  // a new trace drops the incoming tracestate
  }
  // Without a context the builder still derives them (direct callers).
  auto bare = upstream::build_upstream_request(req, conn, action, "", false, rng);
  EXPECT_TRUE(filter::forwarding::valid_request_id(*bare.headers.get("x-request-id")));
  EXPECT_NE(*bare.headers.get("x-request-id"), ctx.request_id.view());
}

TEST(RequestIdentity, NextTraceparentMatchesPropagate) {
  // The non-allocating form and the header form follow the same rules.
  core::FastRng r1(11), r2(11);
  http::Headers h;
  h.add("traceparent", kTp);
  const auto via_headers = filter::forwarding::propagate_traceparent(h, r1);
  std::array<char, 55> out;
  EXPECT_TRUE(filter::forwarding::next_traceparent(kTp, r2, out));
  EXPECT_EQ(via_headers, std::string_view(out.data(), out.size()));
}
