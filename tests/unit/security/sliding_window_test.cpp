// security/sliding_window.hpp: the two-bucket estimate.
#include "security/sliding_window.hpp"

#include <gtest/gtest.h>

namespace strata::security {

TEST(SlidingWindow, TwoBucketEstimate) {
  SlidingWindow w;
  const std::int64_t win = 1000;
  EXPECT_DOUBLE_EQ(w.add(10'000, win, 10), 10);   // bucket 10, nothing before
  EXPECT_DOUBLE_EQ(w.add(10'999, win, 0), 10);
  // Half way into the next bucket: half of the previous one counts.
  EXPECT_DOUBLE_EQ(w.estimate(11'500, win), 5);
  EXPECT_DOUBLE_EQ(w.add(11'500, win, 2), 7);
  // Two buckets later everything is gone.
  EXPECT_DOUBLE_EQ(w.estimate(13'000, win), 0);
}

}  // namespace strata::security
