// A log-linear (HDR-style) histogram of non-negative integer values (the load
// tool records nanoseconds). Values below 256 are exact; above, each power of
// two is split into 128 linear buckets, so a reported percentile is within
// 1/256 (~0.4%) of the true value. Fixed memory (~59 KiB), O(1) record,
// mergeable. Not thread-safe: one per thread, merge at the end.
#pragma once
#include <cstdint>
#include <utility>
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

  // Serialized form, to merge histograms across processes (`strata load
  // --hub` workers): the non-empty buckets and the exact min/max/sum.
  // from_parts(parts()) is equal to the original (same percentiles).
  struct Parts {
    std::vector<std::pair<std::size_t, std::uint64_t>> buckets;  // index, count
    std::uint64_t min = 0, max = 0;
    double sum = 0;
  };
  Parts parts() const;
  // Rebuilds a histogram; indexes out of range are ignored.
  static Histogram from_parts(const Parts& p);

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
