#include <gtest/gtest.h>

#include <random>

#include "upstream/resilience/retry_policy.hpp"

using namespace strata::upstream::resilience;
using namespace std::chrono_literals;

TEST(RetryBudget, TwentyPercentWithMinimum) {
  RetryBudget b({0.2, 3});
  EXPECT_TRUE(b.can_retry(0, 2));
  EXPECT_FALSE(b.can_retry(0, 3));
  EXPECT_TRUE(b.can_retry(100, 19));
  EXPECT_FALSE(b.can_retry(100, 20));
}

TEST(Backoff, ExponentialCappedWithJitter) {
  std::mt19937 rng(1);
  BackoffConfig c{25ms, 250ms};
  for (int i = 0; i < 200; ++i) {
    EXPECT_LE(backoff_delay(c, 1, rng), 25ms);
    EXPECT_LE(backoff_delay(c, 3, rng), 100ms);
    EXPECT_LE(backoff_delay(c, 10, rng), 250ms);
  }
  long long sum = 0;
  for (int i = 0; i < 1000; ++i) sum += backoff_delay(c, 10, rng).count();
  EXPECT_GT(sum / 1000, 80);  // full jitter over [0, 250]: mean ~125
}
