// cache/frequency_sketch: the W-TinyLFU frequency estimate.
#include "cache/frequency_sketch.hpp"

#include <gtest/gtest.h>

namespace strata::cache::detail {
namespace {

std::uint64_t h(std::uint64_t i) { return i * 0x9e3779b97f4a7c15ull + 12345; }

TEST(FrequencySketch, DoorkeeperThenCounters) {
  FrequencySketch s(1024);
  EXPECT_EQ(s.frequency(h(1)), 0u);
  s.increment(h(1));
  EXPECT_EQ(s.frequency(h(1)), 1u);  // the doorkeeper only
  for (int i = 0; i < 5; ++i) s.increment(h(1));
  EXPECT_EQ(s.frequency(h(1)), 6u);
  EXPECT_EQ(s.frequency(h(2)), 0u);
}

TEST(FrequencySketch, SaturatesAt15PlusTheDoorkeeper) {
  FrequencySketch s(1024);
  for (int i = 0; i < 100; ++i) s.increment(h(7));
  EXPECT_EQ(s.frequency(h(7)), 16u);
}

TEST(FrequencySketch, HotKeysStandOutOfManyColdOnes) {
  FrequencySketch s(4096);
  for (std::uint64_t i = 0; i < 3000; ++i) s.increment(h(1000 + i));  // one-hit wonders
  for (int r = 0; r < 8; ++r)
    for (std::uint64_t k = 0; k < 10; ++k) s.increment(h(k));
  for (std::uint64_t k = 0; k < 10; ++k) EXPECT_GE(s.frequency(h(k)), 7u) << k;
  unsigned high = 0;
  for (std::uint64_t i = 0; i < 3000; ++i) high += s.frequency(h(1000 + i)) >= 4 ? 1 : 0;
  EXPECT_LT(high, 30u);  // collisions are rare
}

TEST(FrequencySketch, AgingHalvesTheCounts) {
  FrequencySketch s(64);  // sample: 640 additions
  for (int i = 0; i < 12; ++i) s.increment(h(1));
  EXPECT_EQ(s.frequency(h(1)), 12u);
  // Other keys' additions trigger the reset: counters halve, doorkeeper clears.
  for (std::uint64_t i = 0; i < 640; ++i) s.increment(h(5000 + i));
  EXPECT_LE(s.frequency(h(1)), 6u);
  EXPECT_GE(s.frequency(h(1)), 5u);
}

}  // namespace
}  // namespace strata::cache::detail
