#include <gtest/gtest.h>

#include <stdexcept>
#include <vector>

#include "upstream/resilience/circuit_breaker.hpp"

using namespace strata::upstream::resilience;
using namespace std::chrono_literals;
using strata::core::FakeClock;

namespace {
BreakerConfig cfg() {
  BreakerConfig c;
  c.failure_ratio = 0.5;
  c.window = 10s;
  c.min_requests = 10;
  c.open_duration = 30s;
  c.half_open_probes = 1;
  c.close_after = 3;
  return c;
}
void run(CircuitBreaker& b, int ok, int failed) {
  for (int i = 0; i < ok; ++i) b.record(b.allow(), true);
  for (int i = 0; i < failed; ++i) b.record(b.allow(), false);
}
}  // namespace

TEST(CircuitBreaker, StaysClosedBelowMinimumRequests) {
  FakeClock clock;
  CircuitBreaker b(cfg(), clock);
  run(b, 0, 9);
  EXPECT_EQ(b.state(), BreakerState::closed);
  run(b, 0, 1);
  EXPECT_EQ(b.state(), BreakerState::open);
}

TEST(CircuitBreaker, OpensAtFailureRatioInWindow) {
  FakeClock clock;
  CircuitBreaker b(cfg(), clock);
  run(b, 12, 11);  // 11/23 < 50%
  EXPECT_EQ(b.state(), BreakerState::closed);
  run(b, 0, 1);    // 12/24 = 50%
  EXPECT_EQ(b.state(), BreakerState::open);
  EXPECT_FALSE(b.allow().admitted());
  EXPECT_EQ(b.retry_after(), 30s);
}

TEST(CircuitBreaker, OldFailuresLeaveTheWindow) {
  FakeClock clock;
  CircuitBreaker b(cfg(), clock);
  run(b, 0, 8);
  clock.advance(11s);  // those 8 failures are out of the 10 s window
  run(b, 10, 4);
  EXPECT_EQ(b.state(), BreakerState::closed);
  EXPECT_EQ(b.window_failures(), 4u);
}

TEST(CircuitBreaker, ConsecutiveFailuresRule) {
  FakeClock clock;
  auto c = cfg();
  c.consecutive_failures = 5;
  c.min_requests = 1000;
  CircuitBreaker b(c, clock);
  run(b, 100, 4);
  run(b, 1, 0);
  run(b, 0, 4);
  EXPECT_EQ(b.state(), BreakerState::closed);
  run(b, 0, 1);
  EXPECT_EQ(b.state(), BreakerState::open);
}

TEST(CircuitBreaker, HalfOpenAfterOpenDurationThenThreeSuccessesClose) {
  FakeClock clock;
  CircuitBreaker b(cfg(), clock);
  std::vector<std::pair<BreakerState, BreakerState>> log;
  b.on_transition([&](BreakerState f, BreakerState t) { log.emplace_back(f, t); });
  run(b, 0, 10);
  ASSERT_EQ(b.state(), BreakerState::open);
  clock.advance(29s);
  EXPECT_FALSE(b.allow().admitted());
  clock.advance(1s);
  auto t1 = b.allow();
  EXPECT_TRUE(t1.admitted() && t1.probe());
  EXPECT_EQ(b.state(), BreakerState::half_open);
  EXPECT_FALSE(b.allow().admitted());  // one probe in flight at a time
  b.record(t1, true);
  b.record(b.allow(), true);
  EXPECT_EQ(b.state(), BreakerState::half_open);
  b.record(b.allow(), true);
  EXPECT_EQ(b.state(), BreakerState::closed);
  ASSERT_EQ(log.size(), 3u);
  EXPECT_EQ(log[0].second, BreakerState::open);
  EXPECT_EQ(log[1].second, BreakerState::half_open);
  EXPECT_EQ(log[2].second, BreakerState::closed);
  EXPECT_EQ(b.window_failures(), 0u);  // a fresh window after closing
}

TEST(CircuitBreaker, ProbeFailureReopens) {
  FakeClock clock;
  CircuitBreaker b(cfg(), clock);
  run(b, 0, 10);
  clock.advance(30s);
  auto t = b.allow();
  b.record(t, true);
  b.record(b.allow(), false);
  EXPECT_EQ(b.state(), BreakerState::open);
  EXPECT_EQ(b.retry_after(), 30s);
}

TEST(CircuitBreaker, StaleResultsAreIgnored) {
  FakeClock clock;
  CircuitBreaker b(cfg(), clock);
  auto old = b.allow();  // admitted while closed
  run(b, 0, 10);
  clock.advance(30s);
  auto probe = b.allow();
  b.record(old, false);  // from the closed generation: must not reopen
  EXPECT_EQ(b.state(), BreakerState::half_open);
  b.record(probe, true);
  EXPECT_EQ(b.state(), BreakerState::half_open);
}

// Issue 10: a try that throws while the breaker is half-open must give its
// probe slot back (the ticket releases itself), or the breaker admits
// nothing until the process restarts.
TEST(CircuitBreaker, ProbeSlotComesBackWhenATryThrows) {
  FakeClock clock;
  CircuitBreaker b(cfg(), clock);  // half_open_probes = 1
  run(b, 0, 10);
  clock.advance(30s);
  const auto a_try = [&] {
    auto t = b.allow();
    EXPECT_TRUE(t.admitted() && t.probe());
    throw std::runtime_error("upstream try failed with an exception");
  };
  EXPECT_THROW(a_try(), std::runtime_error);
  EXPECT_EQ(b.state(), BreakerState::half_open);  // no result was counted
  auto again = b.allow();
  EXPECT_TRUE(again.admitted());  // the probe slot came back
  EXPECT_TRUE(again.probe());
  EXPECT_FALSE(b.allow().admitted());  // and there is still only one
  b.record(again, true);
  b.record(again, false);  // a ticket counts once
  EXPECT_EQ(b.state(), BreakerState::half_open);
}

TEST(CircuitBreaker, DroppedTicketsCountNothing) {
  FakeClock clock;
  CircuitBreaker b(cfg(), clock);
  for (int i = 0; i < 50; ++i) (void)b.allow();  // admitted, then dropped
  EXPECT_EQ(b.window_failures() + b.window_successes(), 0u);
  EXPECT_EQ(b.state(), BreakerState::closed);
  // A moved ticket is recorded once, through its new owner.
  auto t = b.allow();
  CircuitBreaker::Ticket moved = std::move(t);
  EXPECT_FALSE(t.pending());
  EXPECT_TRUE(moved.pending());
  b.record(moved, false);
  EXPECT_FALSE(moved.pending());
  EXPECT_EQ(b.window_failures(), 1u);
}
