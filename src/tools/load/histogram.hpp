// A log-linear (HDR-style) histogram of non-negative integer values (the load
// tool records nanoseconds). Values below 256 are exact; above, each power of
// two is split into 128 linear buckets, so a reported percentile is within
// 1/256 (~0.4%) of the true value. Fixed memory (~59 KiB), O(1) record,
// mergeable. Not thread-safe: one per thread, merge at the end.
#pragma once
#include <cstdint>
#include <vector>

namespace strata::tools::load {

class Histogram {
 public:
  Histogram();
  void record(std::uint64_t v);
  // Adds every recorded value of `o` into this one.
  void merge(const Histogram& o);
  void clear();

  std::uint64_t count() const { return count_; }
  std::uint64_t min() const { return count_ ? min_ : 0; }
  std::uint64_t max() const { return max_; }
  double mean() const { return count_ ? sum_ / double(count_) : 0.0; }
  // The value at percentile `p` (0..100]: the smallest recorded value such
  // that at least p% of values are <= it, up to the bucket resolution (the
  // bucket midpoint, clamped to [min, max]). 0 when empty.
  std::uint64_t percentile(double p) const;

  // Bucket arithmetic, exposed for tests.
  static std::size_t index_of(std::uint64_t v);
  static std::uint64_t lower_bound_of(std::size_t idx);
  static std::uint64_t width_of(std::size_t idx);
  static constexpr std::size_t kBuckets = 58 * 128;

 private:
  std::vector<std::uint64_t> counts_;
  std::uint64_t count_ = 0;
  std::uint64_t min_ = 0;
  std::uint64_t max_ = 0;
  double sum_ = 0;
};

}  // namespace strata::tools::load
