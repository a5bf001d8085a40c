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

// The connect_failure default on the fake clock: two failed connects in a
// row set an endpoint aside for 10 s; the picker goes around it; when every
// endpoint is set aside, all are used again (panic) rather than none.
TEST(UpstreamCluster, ConnectFailuresSkipAnEndpointForTenSeconds) {
  boost::asio::io_context io;
  core::FakeClock clock;
  auto cfg = make({{"10.0.0.1", 80, 1, {}}, {"10.0.0.2", 80, 1, {}}, {"10.0.0.3", 80, 1, {}}});
  ASSERT_EQ(cfg.connect_failure.skip_after, 2u);  // the defaults
  ASSERT_EQ(cfg.connect_failure.skip_for, std::chrono::seconds(10));
  auto c = std::make_shared<Cluster>(io.get_executor(), cfg, 1, clock);
  auto& dead = *c->endpoints()[0];
  EXPECT_FALSE(c->record_connect(dead, true));
  EXPECT_TRUE(c->record_connect(dead, true));
  EXPECT_TRUE(dead.status->ejected_by.load() == 1);
  for (int i = 0; i < 60; ++i) EXPECT_NE(c->pick(0)->host, "10.0.0.1");
  clock.advance(std::chrono::seconds(10));
  int seen = 0;
  for (int i = 0; i < 60; ++i) seen += c->pick(0)->host == "10.0.0.1";
  EXPECT_GE(seen, 15);  // back in the rotation
  EXPECT_EQ(dead.status->ejected_by.load(), 0u);
  for (const auto& e : c->endpoints()) {
    c->record_connect(*e, true);
    c->record_connect(*e, true);
  }
  EXPECT_TRUE(c->pick(0));  // panic: everything is out, so everything is used
}

}  // namespace
}  // namespace strata::upstream::cluster
