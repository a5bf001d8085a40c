#include "tools/plan/source_model.hpp"

#include <cmath>

#include <gtest/gtest.h>

using namespace strata::tools::plan;

namespace {
bool any_contains(const std::vector<std::string>& v, const std::string& s) {
  for (const auto& x : v)
    if (x.find(s) != std::string::npos) return true;
  return false;
}
}  // namespace

// The source's example: 100,000 users, 2 KB / 8 KB, 0.5 req/s, http3.
TEST(PlanSource, ExampleGivesItsFormulasFigureNotThePrintedOne) {
  SourceInputs in;
  auto r = compute_source(in);
  EXPECT_DOUBLE_EQ(r.total_rps, 50'000);
  // (50,000 x 2048 x 8 + 50,000 x 8192 x 8) x 1.05 = 4,300,800,000 bit/s
  EXPECT_DOUBLE_EQ(r.total_bandwidth_mbps, 4'300'800'000.0 / 1048576);
  // 100,000 x (2048 + 64) x 8 = 1,689,600,000 "bit/s"
  EXPECT_DOUBLE_EQ(r.connection_overhead_mbps, 1'689'600'000.0 / 1048576);
  EXPECT_DOUBLE_EQ(r.total_with_overhead_mbps, 5'990'400'000.0 / 1048576);
  EXPECT_NEAR(r.recommended_capacity_mbps, 8569.34, 0.005);
  EXPECT_NE(std::round(r.recommended_capacity_mbps * 100), std::round(kSourcePrintedMbps * 100));
  auto flaws = source_flaws(in, r);
  EXPECT_TRUE(any_contains(flaws, "652.34"));
  EXPECT_TRUE(any_contains(flaws, "8569.34"));
  EXPECT_TRUE(any_contains(flaws, "6152.34"));  // payload x 1.5 without the connection term
  EXPECT_TRUE(any_contains(flaws, "bits per second"));
}

TEST(PlanSource, OtherInputsDoNotClaimTheExamplesMismatch) {
  SourceInputs in;
  in.concurrent_users = 1000;
  auto flaws = source_flaws(in, compute_source(in));
  EXPECT_FALSE(any_contains(flaws, "652.34"));
  EXPECT_TRUE(any_contains(flaws, "bits per second"));
}

TEST(PlanSource, Http11UsesSixConnectionsAndEightKilobytes) {
  SourceInputs in;
  in.protocol = "http1.1";
  in.proto = source_protocol("http1.1");
  auto r = compute_source(in);
  // 600,000 connections x 8192 x 8 = 39,321,600,000 / 2^20 = 37,500
  EXPECT_DOUBLE_EQ(r.connection_overhead_mbps, 37'500);
  // 4,096,000,000 x 1.15 / 2^20
  EXPECT_DOUBLE_EQ(r.total_bandwidth_mbps, 4'710'400'000.0 / 1048576);
  EXPECT_THROW(source_protocol("spdy"), std::invalid_argument);
}
