#include "upstream/cluster/cluster.hpp"

#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>

namespace strata::upstream::cluster {
namespace {

config::Cluster make(std::vector<config::Endpoint> eps,
                     config::LbPolicy lb = config::LbPolicy::round_robin) {
  config::Cluster c;
  c.name = "t";
  c.lb = lb;
  c.endpoints = std::move(eps);
  return c;
}

TEST(UpstreamCluster, LiteralsUsableImmediately) {
  boost::asio::io_context io;
  auto c = std::make_shared<Cluster>(io.get_executor(),
                                     make({{"127.0.0.1", 80, 1, {}}, {"::1", 81, 2, {}}}), 1);
  ASSERT_EQ(c->endpoints().size(), 2u);
  EXPECT_EQ(c->endpoints()[1]->key, "[::1]:81");
  EXPECT_FALSE(c->endpoints()[0]->dns);
  int seen[2] = {0, 0};
  for (int i = 0; i < 30; ++i) {
    auto e = c->pick(0);
    ASSERT_TRUE(e);
    ++seen[e->port - 80];
  }
  EXPECT_EQ(seen[0], 10);
  EXPECT_EQ(seen[1], 20);
}

TEST(UpstreamCluster, DnsNameResolvedThenUsable) {
  boost::asio::io_context io;
  auto c = std::make_shared<Cluster>(io.get_executor(), make({{"localhost", 8080, 1, {}}}), 1);
  EXPECT_FALSE(c->pick(0));  // not resolved yet
  c->start();
  for (int i = 0; i < 200 && c->dns_rounds() == 0; ++i)
    io.run_one_for(std::chrono::milliseconds(20));
  c->stop();
  io.run_for(std::chrono::milliseconds(10));
  ASSERT_EQ(c->dns_rounds(), 1u);
  auto e = c->pick(0);
  ASSERT_TRUE(e);
  ASSERT_FALSE(e->addrs.empty());
  EXPECT_TRUE(e->addrs[0].address().is_loopback());
  EXPECT_EQ(e->addrs[0].port(), 8080);
}

TEST(UpstreamCluster, ActiveCountsSteerLeastRequest) {
  boost::asio::io_context io;
  auto c = std::make_shared<Cluster>(
      io.get_executor(), make({{"10.0.0.1", 80, 1, {}}, {"10.0.0.2", 80, 1, {}}}, config::LbPolicy::least_request),
      9);
  c->endpoints()[0]->active = 10;
  for (int i = 0; i < 50; ++i) EXPECT_EQ(c->pick(0)->host, "10.0.0.2");
}

}  // namespace
}  // namespace strata::upstream::cluster
