#include <gtest/gtest.h>

#include <vector>

#include "upstream/resilience/bulkhead.hpp"

using namespace strata::upstream::resilience;

TEST(Bulkhead, CapsConcurrencyAndQueuesFifo) {
  Bulkhead b({2, 2});
  EXPECT_TRUE(b.try_acquire());
  EXPECT_TRUE(b.try_acquire());
  EXPECT_FALSE(b.try_acquire());
  std::vector<int> granted;
  auto w1 = b.enqueue([&](bool g) { if (g) granted.push_back(1); });
  auto w2 = b.enqueue([&](bool g) { if (g) granted.push_back(2); });
  EXPECT_NE(w1, 0u);
  EXPECT_NE(w2, 0u);
  EXPECT_EQ(b.enqueue([](bool) {}), 0u);  // queue full: overflow
  b.release();
  EXPECT_EQ(granted, std::vector<int>{1});
  EXPECT_EQ(b.active(), 2u);
  b.release();
  EXPECT_EQ(granted, (std::vector<int>{1, 2}));
  EXPECT_EQ(b.pending(), 0u);
}

TEST(Bulkhead, CancelRemovesWaiter) {
  Bulkhead b({1, 4});
  ASSERT_TRUE(b.try_acquire());
  bool result = true;
  auto id = b.enqueue([&](bool g) { result = g; });
  EXPECT_TRUE(b.cancel(id));
  EXPECT_FALSE(result);
  EXPECT_FALSE(b.cancel(id));
  b.release();
  EXPECT_EQ(b.active(), 0u);
}

TEST(Bulkhead, NoQueueMeansImmediateOverflow) {
  Bulkhead b({1, 0});
  ASSERT_TRUE(b.try_acquire());
  EXPECT_EQ(b.enqueue([](bool) {}), 0u);
}
