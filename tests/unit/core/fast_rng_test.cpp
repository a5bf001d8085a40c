#include "core/fast_rng.hpp"

#include <gtest/gtest.h>

#include <array>
#include <bit>
#include <random>
#include <set>

namespace strata::core {
namespace {

// xoshiro256** with its state filled by four splitmix64 outputs of the seed
// (values computed with an independent Python version of both algorithms).
TEST(FastRng, KnownOutputsForASeed) {
  FastRng zero(0);
  EXPECT_EQ(zero(), 0x99ec5f36cb75f2b4ull);
  EXPECT_EQ(zero(), 0xbf6e1f784956452aull);
  EXPECT_EQ(zero(), 0x1a5f849d4933e6e0ull);
  FastRng one(1);
  EXPECT_EQ(one(), 0xb3f2af6d0fc710c5ull);
  EXPECT_EQ(one(), 0x853b559647364ceaull);
  FastRng beef(0xdeadbeef);
  EXPECT_EQ(beef(), 0xc5555444a74d7e83ull);
}

TEST(FastRng, SameSeedSameSequenceAndReseedRestarts) {
  FastRng a(42), b(42), c(43);
  std::set<std::uint64_t> seen;
  for (int i = 0; i < 1000; ++i) {
    const auto v = a();
    ASSERT_EQ(v, b());
    seen.insert(v);
  }
  EXPECT_EQ(seen.size(), 1000u);
  a.seed(42);
  FastRng fresh(42);
  EXPECT_EQ(a(), fresh());
  EXPECT_NE(FastRng(42)(), c());
}

// Every output bit is set about half the time, and values spread evenly over
// 16 buckets (chi-square, 15 degrees of freedom: 37.7 is the 0.1% tail).
TEST(FastRng, BitsAndBucketsAreBalanced) {
  FastRng r(7);
  constexpr int kN = 200000;
  std::array<int, 64> ones{};
  std::array<int, 16> buckets{};
  for (int i = 0; i < kN; ++i) {
    const std::uint64_t v = r();
    for (int bit = 0; bit < 64; ++bit) ones[bit] += int((v >> bit) & 1);
    ++buckets[v >> 60];
  }
  for (int bit = 0; bit < 64; ++bit) {
    EXPECT_GT(ones[bit], kN / 2 - kN / 100) << "bit " << bit;
    EXPECT_LT(ones[bit], kN / 2 + kN / 100) << "bit " << bit;
  }
  double chi = 0;
  for (int n : buckets) {
    const double d = n - kN / 16.0;
    chi += d * d / (kN / 16.0);
  }
  EXPECT_LT(chi, 37.7);
}

TEST(FastRng, WorksWithStandardDistributions) {
  FastRng r = FastRng::from_device();
  std::uniform_int_distribution<int> d(0, 9);
  std::array<int, 10> hits{};
  for (int i = 0; i < 10000; ++i) ++hits[d(r)];
  for (int h : hits) EXPECT_GT(h, 800);
}

}  // namespace
}  // namespace strata::core
