// The built-in filters one by one: header edits, the 0-RTT rule, Alt-Svc,
// x-strata-tier, and the chain builder's placement of them.
#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>

#include "filter/alt_svc.hpp"
#include "filter/chain_builder.hpp"
#include "filter/early_data.hpp"
#include "filter/header_edits.hpp"
#include "filter/tier_header.hpp"
#include "unit/support/fake_exchange.hpp"

using namespace strata;
using filter::Phase;

TEST(BuiltinFilters, HeaderEditsLowerCaseAndRemoveBeforeSet) {
  boost::asio::io_context io;
  config::HeaderEdits e;
  e.request_remove = {"X-Drop"};
  e.request_add = {{"X-Add", "1"}, {"x-drop", "again"}};
  e.response_remove = {"Server"};
  filter::HeaderEdits f(e, Phase::request_pre_route);
  EXPECT_EQ(f.phases(), filter::bit(Phase::request_pre_route) | filter::bit(Phase::response_head));
  test::FakeExchange ex(io);
  ex.req.headers.add("x-drop", "old");
  http::RequestContext ctx;
  EXPECT_FALSE(f.on_request(Phase::request_pre_route, ex, ctx));
  EXPECT_EQ(ex.req.headers.get("x-add"), std::optional<std::string_view>("1"));
  EXPECT_EQ(ex.req.headers.joined("x-drop"), "again");
  http::Response r;
  r.headers.add("server", "upstream");
  f.on_response_head(ex.req, ctx, r);
  EXPECT_FALSE(r.headers.has("server"));
  // Nothing to do on a side: not in that phase.
  config::HeaderEdits only_resp;
  only_resp.response_add = {{"x-r", "1"}};
  EXPECT_EQ(filter::HeaderEdits(only_resp, Phase::request_post_route).phases(),
            filter::bit(Phase::response_head));
}

TEST(BuiltinFilters, EarlyDataRule) {
  boost::asio::io_context io;
  http::RequestContext ctx;
  test::FakeExchange post(io);
  post.req.method = "POST";
  post.req.early_data = true;
  auto r = filter::EarlyData(false).on_request(Phase::request_post_route, post, ctx);
  EXPECT_EQ(r.status, 425);
  EXPECT_EQ(r.reason, "too-early");
  EXPECT_FALSE(filter::EarlyData(true).on_request(Phase::request_post_route, post, ctx));
  EXPECT_EQ(post.req.headers.get("early-data"), std::optional<std::string_view>("1"));
  test::FakeExchange get(io);
  get.req.early_data = true;
  EXPECT_FALSE(filter::EarlyData(false).on_request(Phase::request_post_route, get, ctx));
  test::FakeExchange late(io);  // not early data: untouched
  late.req.method = "POST";
  EXPECT_FALSE(filter::EarlyData(false).on_request(Phase::request_post_route, late, ctx));
  EXPECT_FALSE(late.req.headers.has("early-data"));
}

TEST(BuiltinFilters, AltSvcKeepsAnExistingValue) {
  http::Request req;
  http::RequestContext ctx;
  filter::AltSvc f("h3=\":443\"; ma=60");
  http::Response r;
  r.headers.add("alt-svc", "clear");
  f.on_response_head(req, ctx, r);
  EXPECT_EQ(r.headers.joined("alt-svc"), "clear");
}

TEST(BuiltinFilters, TierHeaderOnlyForTierAnswers) {
  http::Request req;
  http::RequestContext ctx;
  filter::TierHeader f;
  http::Response r;
  ctx.tier = "primary";
  f.on_response_head(req, ctx, r);
  EXPECT_FALSE(r.headers.has("x-strata-tier"));  // route without fallbacks
  ctx.tier_header = true;
  f.on_response_head(req, ctx, r);
  EXPECT_EQ(r.headers.get("x-strata-tier"), std::optional<std::string_view>("primary"));
  http::Response err;
  ctx.tier = "secondary";
  ctx.local_reason.assign("connect-error");  // every tier failed: strata's own 502
  f.on_response_head(req, ctx, err);
  EXPECT_FALSE(err.headers.has("x-strata-tier"));
  ctx.tier = "static";
  f.on_response_head(req, ctx, err);
  EXPECT_EQ(err.headers.get("x-strata-tier"), std::optional<std::string_view>("static"));
}

TEST(BuiltinFilters, ChainBuilderPlacement) {
  config::Listener l;
  l.name = "cb";
  config::FilterConfig fc;
  fc.type = "headers";
  fc.headers.request_add = {{"x-l", "1"}};
  l.filters.push_back(fc);
  auto lc = filter::build_listener_chain(l, "h3=\":1\"");
  ASSERT_EQ(lc.in(Phase::request_pre_route).size(), 2u);
  EXPECT_EQ(lc.in(Phase::request_pre_route)[0]->name(), "request_identity");
  EXPECT_EQ(lc.in(Phase::request_pre_route)[1]->name(), "headers");
  ASSERT_EQ(lc.in(Phase::response_head).size(), 2u);
  EXPECT_EQ(lc.in(Phase::response_head)[0]->name(), "alt_svc");
  EXPECT_EQ(lc.in(Phase::log).size(), 2u);  // metrics, access log
  EXPECT_EQ(filter::build_listener_chain(l, "").in(Phase::response_head).size(), 1u);

  config::Route r;
  r.request_headers_add = {{"x-a", "1"}};
  r.filters.push_back(fc);
  auto rc = filter::build_route_chain(r, "cb-route");
  ASSERT_EQ(rc.in(Phase::request_post_route).size(), 3u);
  EXPECT_EQ(rc.in(Phase::request_post_route)[0]->name(), "early_data");
  EXPECT_EQ(rc.in(Phase::log).size(), 1u);
  config::FilterConfig bad;
  bad.type = "gzip";
  EXPECT_THROW(filter::make_filter(bad, Phase::request_post_route), std::invalid_argument);
}
