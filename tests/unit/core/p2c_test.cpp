#include "core/p2c.hpp"

#include <gtest/gtest.h>

#include <array>
#include <random>

using strata::core::p2c_pick;
using strata::core::weighted_draw;

TEST(P2C, WeightedDrawFollowsWeightsAndSkips) {
  std::mt19937_64 rng(7);
  const std::array<std::uint32_t, 3> w{1, 3, 0};
  std::array<int, 3> seen{};
  for (int i = 0; i < 8000; ++i) ++seen[weighted_draw(2, 2, rng, [&](std::size_t k) { return w[k]; })];
  EXPECT_EQ(seen[2], 0);
  EXPECT_NEAR(double(seen[1]) / seen[0], 3.0, 0.3);
  for (int i = 0; i < 100; ++i)
    EXPECT_EQ(weighted_draw(3, 1, rng, [](std::size_t) { return 1u; }) == 1, false);
}

TEST(P2C, PicksTwoDistinctAndKeepsTheBetter) {
  std::mt19937_64 rng(11);
  const std::array<int, 4> load{5, 0, 9, 2};
  std::array<int, 4> wins{};
  for (int i = 0; i < 4000; ++i) {
    const auto k = p2c_pick(load.size(), rng, [](std::size_t) { return 1u; },
                            [&](std::size_t b, std::size_t a) { return load[b] < load[a]; });
    ++wins[k];
  }
  // The most loaded host can only win when drawn with... nothing: it always
  // faces a less loaded one, so it never wins; the least loaded wins
  // whenever drawn (half the draws of a pair hold it).
  EXPECT_EQ(wins[2], 0);
  EXPECT_GT(wins[1], wins[3]);
  EXPECT_GT(wins[3], wins[0]);
  EXPECT_NEAR(wins[1] / 4000.0, 0.5, 0.05);
}

TEST(P2C, TiesGoToTheFirstDraw) {
  // Same engine state, same first draw: with an all-equal comparison the
  // result is the first weighted draw.
  std::mt19937_64 a(3), b(3);
  for (int i = 0; i < 50; ++i) {
    const auto first = weighted_draw(5, 5, a, [](std::size_t) { return 2u; });
    a();  // the second draw p2c_pick makes
    EXPECT_EQ(p2c_pick(5, b, [](std::size_t) { return 2u; }, [](std::size_t, std::size_t) { return false; }),
              first);
  }
}
