#include "tools/lab/breaker.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

using namespace strata::tools::lab;

namespace {
LoadSample sample(double req, double err, double p50) { return {req, err, p50, p50 * 2}; }

BreakerResult run_like(double failing_with_p50) {
  BreakerResult r;
  r.windows = {{"healthy", sample(900, 0, 2), sample(900, 0, 2), "closed"},
               {"failing", sample(300, 300, 150), sample(20, 20, 201), "open"},
               {"failing", sample(5000, 5000, failing_with_p50), sample(20, 20, 202), "open"},
               {"healed", sample(800, 3, 2), sample(900, 0, 2), "closed"},
               {"healed", sample(900, 0, 2), sample(900, 0, 2), "closed"}};
  r.open_transitions = 2;
  r.half_open_transitions = 2;
  r.closed_transitions = 1;
  return r;
}
}  // namespace

TEST(LabBreaker, ParseLoadReport) {
  auto s = parse_load(R"({"requests":{"succeeded":90,"failed":10},"status_class":{"2xx":60,"5xx":30},
                         "latency_ms":{"count":90,"p50":1.5,"p99":7}})");
  EXPECT_EQ(s.requests, 100);
  EXPECT_EQ(s.errors, 40);
  EXPECT_EQ(s.p50_ms, 1.5);
  EXPECT_EQ(s.p99_ms, 7);
  auto bad = parse_load("not json");
  EXPECT_EQ(bad.requests, 0);
  EXPECT_EQ(bad.p50_ms, -1);
}

TEST(LabBreaker, FastFailuresAndAClosedBreakerConfirm) {
  auto r = run_like(0.4);
  judge(r);
  EXPECT_TRUE(r.fails_fast);
  EXPECT_TRUE(r.recovers);
  EXPECT_TRUE(r.confirmed) << r.verdict;
  EXPECT_EQ(r.confidence.rfind("medium", 0), 0u) << r.confidence;  // one window counted, ranges apart
  EXPECT_NE(breaker_table(r).find("CONFIRMED"), std::string::npos);
  auto j = nlohmann::json::parse(breaker_json(r));
  EXPECT_EQ(j["windows"].size(), 5u);
  EXPECT_EQ(j["transitions"]["half_open"], 2);
  EXPECT_EQ(breaker_svg(r).rfind("<svg", 0), 0u);
}

TEST(LabBreaker, SlowFailuresOrNoHalfOpenDoNotConfirm) {
  auto slow = run_like(150);  // the breaker never made failures fast
  judge(slow);
  EXPECT_FALSE(slow.fails_fast);
  EXPECT_FALSE(slow.confirmed);
  EXPECT_EQ(slow.confidence.rfind("low", 0), 0u) << slow.confidence;
  auto stuck = run_like(0.4);
  stuck.half_open_transitions = 0;
  judge(stuck);
  EXPECT_FALSE(stuck.recovers);
  auto still_open = run_like(0.4);
  still_open.windows.back().state = "open";
  judge(still_open);
  EXPECT_FALSE(still_open.confirmed);
}
