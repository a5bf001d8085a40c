#include "tools/load/histogram.hpp"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <random>
#include <vector>

#include <gtest/gtest.h>

using strata::tools::load::Histogram;

namespace {

std::uint64_t exact_percentile(std::vector<std::uint64_t> v, double p) {
  std::sort(v.begin(), v.end());
  auto rank = std::uint64_t(std::ceil(p / 100.0 * double(v.size())));
  if (rank < 1) rank = 1;
  return v[rank - 1];
}

void expect_close(std::uint64_t got, std::uint64_t want) {
  const double err = std::abs(double(got) - double(want)) / double(std::max<std::uint64_t>(want, 1));
  EXPECT_LE(err, 0.01) << "got " << got << " want " << want;
}

}  // namespace

TEST(LoadHistogram, BucketsAreContiguousAndCoverTheRange) {
  std::uint64_t expect_low = 0;
  for (std::size_t i = 0; i < Histogram::kBuckets; ++i) {
    ASSERT_EQ(Histogram::lower_bound_of(i), expect_low) << i;
    ASSERT_EQ(Histogram::index_of(expect_low), i);
    const std::uint64_t w = Histogram::width_of(i);
    if (i + 1 < Histogram::kBuckets) {
      ASSERT_EQ(Histogram::index_of(expect_low + w - 1), i);
    }
    expect_low += w;
  }
  EXPECT_EQ(Histogram::index_of(UINT64_MAX), Histogram::kBuckets - 1);
}

TEST(LoadHistogram, SmallValuesAreExact) {
  Histogram h;
  for (std::uint64_t v = 1; v <= 100; ++v) h.record(v);
  EXPECT_EQ(h.percentile(50), 50u);
  EXPECT_EQ(h.percentile(99), 99u);
  EXPECT_EQ(h.percentile(100), 100u);
  EXPECT_EQ(h.min(), 1u);
  EXPECT_EQ(h.max(), 100u);
  EXPECT_DOUBLE_EQ(h.mean(), 50.5);
}

TEST(LoadHistogram, PercentilesWithinOnePercentOnLogNormalLatencies) {
  std::mt19937_64 rng(42);
  std::lognormal_distribution<double> dist(std::log(2e6), 0.8);  // ~2 ms median, in ns
  std::vector<std::uint64_t> vals;
  Histogram h;
  for (int i = 0; i < 200000; ++i) {
    auto v = std::uint64_t(dist(rng));
    vals.push_back(v);
    h.record(v);
  }
  for (double p : {1.0, 10.0, 50.0, 90.0, 99.0, 99.9, 99.99, 100.0})
    expect_close(h.percentile(p), exact_percentile(vals, p));
  EXPECT_EQ(h.count(), vals.size());
  EXPECT_EQ(h.max(), *std::max_element(vals.begin(), vals.end()));
}

TEST(LoadHistogram, MergeEqualsRecordingEverythingInOne) {
  std::mt19937_64 rng(7);
  std::uniform_int_distribution<std::uint64_t> d(1000, 50'000'000);
  Histogram a, b, all;
  std::vector<std::uint64_t> vals;
  for (int i = 0; i < 50000; ++i) {
    auto v = d(rng);
    (i % 3 ? a : b).record(v);
    all.record(v);
    vals.push_back(v);
  }
  a.merge(b);
  EXPECT_EQ(a.count(), all.count());
  EXPECT_EQ(a.min(), all.min());
  EXPECT_EQ(a.max(), all.max());
  for (double p : {50.0, 90.0, 99.0, 99.9}) {
    EXPECT_EQ(a.percentile(p), all.percentile(p));
    expect_close(a.percentile(p), exact_percentile(vals, p));
  }
}

TEST(LoadHistogram, EmptyAndClear) {
  Histogram h;
  EXPECT_EQ(h.percentile(99), 0u);
  EXPECT_EQ(h.min(), 0u);
  h.record(12345);
  EXPECT_EQ(h.percentile(50), 12345u);  // clamped to [min, max]
  h.clear();
  EXPECT_EQ(h.count(), 0u);
  EXPECT_EQ(h.percentile(50), 0u);
}
