#include <gtest/gtest.h>

#include "upstream/resilience/health_state.hpp"
#include "upstream/resilience/outlier_detector.hpp"
#include "upstream/resilience/priority_load.hpp"

using namespace strata::upstream::resilience;
using namespace std::chrono_literals;
using strata::core::FakeClock;

TEST(OutlierDetector, EjectsAfterConsecutiveErrorsForGrowingTime) {
  FakeClock clock;
  OutlierDetector d({5, 30s, 300s, 50}, clock, 3);
  for (int i = 0; i < 4; ++i) EXPECT_FALSE(d.record(0, true));
  d.record(0, false);  // a success resets the run
  for (int i = 0; i < 4; ++i) EXPECT_FALSE(d.record(0, true));
  EXPECT_TRUE(d.record(0, true));
  EXPECT_TRUE(d.ejected(0));
  clock.advance(30s);
  EXPECT_FALSE(d.ejected(0));
  for (int i = 0; i < 5; ++i) d.record(0, true);
  EXPECT_TRUE(d.ejected(0));
  clock.advance(59s);
  EXPECT_TRUE(d.ejected(0));  // second ejection lasts 2 x 30 s
  clock.advance(1s);
  EXPECT_FALSE(d.ejected(0));
}

TEST(OutlierDetector, NeverEjectsMoreThanTheCap) {
  FakeClock clock;
  OutlierDetector d({1, 30s, 300s, 50}, clock, 3);
  EXPECT_TRUE(d.record(0, true));
  EXPECT_FALSE(d.record(1, true));  // 2 of 3 would exceed 50%
  EXPECT_EQ(d.ejected_count(), 1u);
}

TEST(HealthState, FallAndRiseThresholds) {
  HealthState h({2, 3});
  EXPECT_FALSE(h.record(false));
  EXPECT_FALSE(h.record(false));
  EXPECT_TRUE(h.record(false));
  EXPECT_FALSE(h.healthy());
  EXPECT_FALSE(h.record(true));
  EXPECT_TRUE(h.record(true));
  EXPECT_TRUE(h.healthy());
}

TEST(PriorityLoad, SpillsGraduallyAndReturns) {
  EXPECT_EQ(priority_load({{3, 3}, {3, 3}}), (std::vector<std::uint32_t>{100, 0}));
  // 2 of 3 healthy: 93% stays (2/3 * 1.4), 7% spills.
  EXPECT_EQ(priority_load({{2, 3}, {3, 3}}), (std::vector<std::uint32_t>{93, 7}));
  EXPECT_EQ(priority_load({{0, 3}, {3, 3}}), (std::vector<std::uint32_t>{0, 100}));
  EXPECT_EQ(priority_load({{0, 3}, {0, 3}}), (std::vector<std::uint32_t>{100, 0}));  // panic
  auto l = priority_load({{1, 3}});
  EXPECT_EQ(l, std::vector<std::uint32_t>{100});
  EXPECT_EQ(pick_priority({93, 7}, 92), 0u);
  EXPECT_EQ(pick_priority({93, 7}, 93), 1u);
}
