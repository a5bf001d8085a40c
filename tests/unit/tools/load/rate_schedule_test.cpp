#include "tools/load/rate_schedule.hpp"

#include <chrono>

#include <gtest/gtest.h>

using strata::tools::load::RateSchedule;
using namespace std::chrono;

TEST(LoadRateSchedule, IntendedTimesAreFixedIntervalsPerConnection) {
  const auto t0 = steady_clock::time_point(seconds(100));
  // 1000 req/s over 4 connections -> 250 req/s each -> 4 ms apart.
  RateSchedule s(t0, 1000.0, 4, 0);
  EXPECT_EQ(s.interval(), milliseconds(4));
  EXPECT_EQ(s.intended(0), t0);
  EXPECT_EQ(s.intended(1), t0 + milliseconds(4));
  EXPECT_EQ(s.intended(250), t0 + seconds(1));
  // Intended times do not drift with the index (no accumulated rounding).
  RateSchedule odd(t0, 3.0, 1, 0);
  EXPECT_EQ(odd.intended(3), t0 + seconds(1));
  EXPECT_EQ(odd.intended(3000), t0 + seconds(1000));
}

TEST(LoadRateSchedule, ConnectionsAreStaggeredSoTheAggregateIsEven) {
  const auto t0 = steady_clock::time_point(seconds(1));
  // 4 connections, 1 ms apart in aggregate.
  for (unsigned c = 0; c < 4; ++c) {
    RateSchedule s(t0, 1000.0, 4, c);
    EXPECT_EQ(s.intended(0), t0 + milliseconds(c));
    EXPECT_EQ(s.intended(1), t0 + milliseconds(4 + c));
  }
}

TEST(LoadRateSchedule, DueByCountsRequestsWhoseTimeHasCome) {
  const auto t0 = steady_clock::time_point(seconds(5));
  RateSchedule s(t0, 100.0, 1, 0);  // every 10 ms
  EXPECT_EQ(s.due_by(t0 - nanoseconds(1)), 0u);
  EXPECT_EQ(s.due_by(t0), 1u);
  EXPECT_EQ(s.due_by(t0 + milliseconds(10) - nanoseconds(1)), 1u);
  EXPECT_EQ(s.due_by(t0 + milliseconds(10)), 2u);
  // A client that stalled for 1 s owes 100 requests, each measured from its
  // own intended time: the stall is not hidden.
  EXPECT_EQ(s.due_by(t0 + seconds(1)), 101u);
  EXPECT_EQ(s.intended(50), t0 + milliseconds(500));
}
