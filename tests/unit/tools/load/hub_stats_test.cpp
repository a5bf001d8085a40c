#include "tools/load/hub_stats.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

using namespace strata::tools::load;

namespace {
HubStats sample(std::int64_t base, int n) {
  HubStats s;
  s.attempted = 10;
  s.established = 8;
  s.unfinished = 1;
  s.closed = 1;
  s.start_us = base;
  s.ready_us = base + 1'000'000;
  for (int i = 0; i < n; ++i) {
    s.delivered(base + 2'000'000 + i * 1000, std::uint64_t(base + 2'000'000 + i * 1000 - (i + 1) * 10), 100);
    s.connect.record(std::uint64_t(i) * 1000);
  }
  s.other_messages = 3;
  s.error(HubError::handshake);
  return s;
}
}  // namespace

TEST(HubStats, DerivedRates) {
  const auto s = sample(1'000'000'000, 1001);
  EXPECT_EQ(s.failed(), 1u);
  EXPECT_DOUBLE_EQ(s.connects_per_s(), 8.0);
  // 1001 deliveries 1 ms apart: the window is 1 s
  EXPECT_NEAR(s.deliveries_per_s(), 1001.0, 1e-6);
  // latencies 10 us .. 10010 us
  EXPECT_NEAR(double(s.delivery.percentile(50)), 5'010'000.0, 5'010'000.0 * 0.01);
  EXPECT_EQ(s.delivery.max(), 10'010'000u);
}

TEST(HubStats, WorkerJsonRoundTripMergesExactly) {
  auto a = sample(1'000'000'000, 500);
  const auto b = sample(1'000'500'000, 300);
  a.status[502] = 4;  // refused handshakes
  HubRunInfo info;
  info.mode = "ws";
  info.protocol = "h1";
  const auto ra = hub_stats_from_json(hub_report_json(a, info, true));
  const auto rb = hub_stats_from_json(hub_report_json(b, info, true));
  HubStats direct = a;
  direct.merge(b);
  HubStats via = ra;
  via.merge(rb);
  EXPECT_EQ(via.deliveries, direct.deliveries);
  EXPECT_EQ(via.status.at(502), 4u);
  EXPECT_EQ(via.attempted, 20u);
  EXPECT_EQ(via.established, 16u);
  EXPECT_EQ(via.errors[std::size_t(HubError::handshake)], 2u);
  EXPECT_EQ(via.start_us, 1'000'000'000);
  EXPECT_EQ(via.ready_us, 1'001'500'000);
  for (double p : {50.0, 90.0, 99.0, 100.0}) {
    EXPECT_EQ(via.delivery.percentile(p), direct.delivery.percentile(p)) << p;
    EXPECT_EQ(via.connect.percentile(p), direct.connect.percentile(p)) << p;
  }
  EXPECT_EQ(via.delivery.min(), direct.delivery.min());
  EXPECT_DOUBLE_EQ(via.delivery.mean(), direct.delivery.mean());
  EXPECT_DOUBLE_EQ(via.deliveries_per_s(), direct.deliveries_per_s());
}

TEST(HubStats, PublisherReportRoundTrip) {
  HubStats s;
  s.published = 7;
  s.publish_failed = 2;
  s.status[200] = 7;
  s.status[400] = 2;
  s.latency.record(1000);
  HubRunInfo info;
  info.mode = "pub";
  info.protocol = "h1";
  info.elapsed_s = 1;
  const auto text = hub_report_json(s, info, true);
  const auto j = nlohmann::json::parse(text);
  EXPECT_EQ(j["publish"]["succeeded"], 7);
  EXPECT_EQ(j["publish"]["per_second"], 7.0);
  const auto r = hub_stats_from_json(text);
  EXPECT_EQ(r.status.at(400), 2u);
  EXPECT_EQ(r.latency.count(), 1u);
  EXPECT_THROW(hub_stats_from_json("{\"mode\":\"ws\"}"), std::runtime_error);
  EXPECT_THROW(hub_stats_from_json("not json"), std::runtime_error);
  EXPECT_NE(hub_report_text(s, info).find("7 succeeded"), std::string::npos);
}
