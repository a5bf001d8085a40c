#include "tools/plan/metrics_reader.hpp"

#include <gtest/gtest.h>

using namespace strata::tools::plan;

TEST(PlanMetrics, ParseSumsLabelsAndSkipsComments) {
  auto m = parse_prometheus(
      "# HELP strata_requests_total x\n# TYPE strata_requests_total counter\n"
      "strata_requests_total{listener=\"a\",class=\"2xx\"} 10\n"
      "strata_requests_total{listener=\"b\",class=\"5xx\"} 5\n"
      "process_cpu_seconds_total 1.5\n"
      "strata_x{le=\"+Inf\",v=\"a b\"} 7\n"
      "bad line\n");
  EXPECT_EQ(m["strata_requests_total"], 15);
  EXPECT_EQ(m["process_cpu_seconds_total"], 1.5);
  EXPECT_EQ(m["strata_x"], 7);
  EXPECT_EQ(m.count("bad"), 0u);
}

TEST(PlanMetrics, DeriveFromTwoSamples) {
  std::map<std::string, double, std::less<>> a{{"strata_requests_total", 1000},
                                               {"process_cpu_seconds_total", 2.0}};
  std::map<std::string, double, std::less<>> b{{"strata_requests_total", 3000},
                                               {"process_cpu_seconds_total", 2.05},
                                               {"strata_connections_active", 80},
                                               {"strata_quic_connections", 20},
                                               {"process_resident_memory_bytes", 2'000'000},
                                               {"strata_ready_resident_memory_bytes", 1'000'000}};
  auto m = derive_measured(a, b);
  ASSERT_TRUE(m.cpu_us_per_request);
  EXPECT_NEAR(*m.cpu_us_per_request, 25.0, 1e-9);  // 0.05 s / 2000 requests
  ASSERT_TRUE(m.memory_per_connection);
  EXPECT_NEAR(*m.memory_per_connection, 10'000, 1e-9);  // 1,000,000 B / 100 connections
  b["strata_connections_active"] = 79;  // 99 open: too few to tell connections from other growth
  EXPECT_FALSE(derive_measured(a, b).memory_per_connection);
}

TEST(PlanMetrics, IdleServerFallsBackToTotalsOrNothing) {
  std::map<std::string, double, std::less<>> a{{"strata_requests_total", 100},
                                               {"process_cpu_seconds_total", 1.0}};
  auto m = derive_measured(a, a);
  ASSERT_TRUE(m.cpu_us_per_request);
  EXPECT_NEAR(*m.cpu_us_per_request, 10'000, 1e-9);
  EXPECT_FALSE(m.memory_per_connection);
  auto none = derive_measured({}, {});
  EXPECT_FALSE(none.cpu_us_per_request);
}

TEST(PlanMetrics, FetchRejectsOtherSchemes) {
  EXPECT_THROW(fetch_metrics("https://127.0.0.1:1/metrics"), std::runtime_error);
}
