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

// connect_failure defaults: skip after 2 failed connects in a row for 10 s.
TEST(OutlierDetector, ConnectFailuresSkipAnEndpointForAFixedTime) {
  FakeClock clock;
  OutlierConfig c;
  c.consecutive_errors = 0;  // no outlier_detection block
  c.connect_failures = 2;
  c.connect_skip = 10s;
  OutlierDetector d(c, clock, 3);
  EXPECT_FALSE(d.record_connect(0, true));
  EXPECT_FALSE(d.record_connect(0, false));  // a connect that worked ends the run
  EXPECT_FALSE(d.record_connect(0, true));
  EXPECT_FALSE(d.ejected(0));
  EXPECT_TRUE(d.record_connect(0, true));
  EXPECT_TRUE(d.ejected(0));
  clock.advance(9999ms);
  EXPECT_TRUE(d.ejected(0));
  clock.advance(1ms);
  EXPECT_FALSE(d.ejected(0));
  // Not capped by max_ejected_percent: every endpoint can be skipped.
  for (std::size_t i = 0; i < 3; ++i) {
    d.record_connect(i, true);
    d.record_connect(i, true);
  }
  EXPECT_EQ(d.ejected_count(), 3u);
  // Without an outlier_detection block, 5xx never eject.
  clock.advance(10s);
  for (int i = 0; i < 100; ++i) EXPECT_FALSE(d.record(1, true));
  EXPECT_FALSE(d.ejected(1));
}

TEST(OutlierDetector, ConnectSkippingCanBeTurnedOff) {
  FakeClock clock;
  OutlierDetector d({5, 30s, 300s, 50}, clock, 2);  // connect_failures 0
  for (int i = 0; i < 100; ++i) EXPECT_FALSE(d.record_connect(0, true));
  EXPECT_FALSE(d.ejected(0));
}
