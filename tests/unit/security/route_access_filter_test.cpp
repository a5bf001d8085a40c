// The route `security.access` filter and its place in the route chain.
#include "security/route_access_filter.hpp"

#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>

#include "filter/chain.hpp"
#include "filter/chain_builder.hpp"
#include "security/filters.hpp"
#include "unit/support/fake_exchange.hpp"

namespace strata::security {

using filter::Phase;

TEST(SecurityRouteAccess, RefusesByClientAddress) {
  boost::asio::io_context io;
  config::IpAccess a;
  a.deny = {"203.0.113.0/24"};
  RouteAccessFilter f(a);
  test::FakeExchange ex(io);
  http::RequestContext ctx;
  ctx.client_ip.assign("203.0.113.9");
  auto r = f.on_request(Phase::request_post_route, ex, ctx);
  EXPECT_EQ(r.status, 403);
  EXPECT_EQ(r.reason, "access-denied");
  EXPECT_EQ(r.body, "forbidden: client address not allowed\n");
  ctx.client_ip.assign("192.0.2.1");
  EXPECT_FALSE(f.on_request(Phase::request_post_route, ex, ctx));
}

TEST(SecurityRouteAccess, FirstInTheRouteChain) {
  config::Route r;
  EXPECT_TRUE(route_filters(r, "t").empty());
  r.security.access.allow = {"10.0.0.0/8"};
  auto chain = filter::build_route_chain(r, "t", route_filters(r, "t"));
  boost::asio::io_context io;
  test::FakeExchange ex(io);
  ex.req.method = "POST";
  ex.req.early_data = true;  // early_data would answer 425: access runs first
  http::RequestContext ctx;
  ctx.client_ip.assign("192.0.2.1");
  auto reply = filter::run_request(Phase::request_post_route, nullptr, &chain, ex, ctx);
  EXPECT_EQ(reply.status, 403);
}

}  // namespace strata::security
