#include "tools/load/histogram.hpp"

#include <algorithm>
#include <bit>
#include <cmath>

namespace strata::tools::load {

namespace {
constexpr unsigned kSubBits = 7;
constexpr std::uint64_t kSub = 1u << kSubBits;  // linear buckets per octave
}  // namespace

Histogram::Histogram() : counts_(kBuckets, 0) {}

std::size_t Histogram::index_of(std::uint64_t v) {
  if (v < 2 * kSub) return std::size_t(v);
  const unsigned k = unsigned(std::bit_width(v)) - 1;  // >= 8
  const unsigned shift = k - kSubBits;
  return std::size_t((shift + 1) * kSub + ((v >> shift) - kSub));
}

std::uint64_t Histogram::lower_bound_of(std::size_t idx) {
  if (idx < 2 * kSub) return idx;
  const std::uint64_t shift = idx / kSub - 1;
  const std::uint64_t sub = idx % kSub + kSub;
  return sub << shift;
}

std::uint64_t Histogram::width_of(std::size_t idx) {
  if (idx < 2 * kSub) return 1;
  return std::uint64_t(1) << (idx / kSub - 1);
}

void Histogram::record(std::uint64_t v) {
  ++counts_[index_of(v)];
  if (count_ == 0 || v < min_) min_ = v;
  if (v > max_) max_ = v;
  ++count_;
  sum_ += double(v);
}

void Histogram::merge(const Histogram& o) {
  if (o.count_ == 0) return;
  for (std::size_t i = 0; i < kBuckets; ++i) counts_[i] += o.counts_[i];
  if (count_ == 0 || o.min_ < min_) min_ = o.min_;
  max_ = std::max(max_, o.max_);
  count_ += o.count_;
  sum_ += o.sum_;
}

void Histogram::clear() {
  std::fill(counts_.begin(), counts_.end(), 0);
  count_ = min_ = max_ = 0;
  sum_ = 0;
}

Histogram::Parts Histogram::parts() const {
  Parts p;
  for (std::size_t i = 0; i < kBuckets; ++i)
    if (counts_[i]) p.buckets.emplace_back(i, counts_[i]);
  p.min = min();
  p.max = max_;
  p.sum = sum_;
  return p;
}

Histogram Histogram::from_parts(const Parts& p) {
  Histogram h;
  for (auto& [i, n] : p.buckets) {
    if (i >= kBuckets || n == 0) continue;
    h.counts_[i] += n;
    h.count_ += n;
  }
  if (h.count_) {
    h.min_ = p.min;
    h.max_ = p.max;
    h.sum_ = p.sum;
  }
  return h;
}

std::uint64_t Histogram::percentile(double p) const {
  if (count_ == 0) return 0;
  p = std::clamp(p, 0.0, 100.0);
  auto rank = std::uint64_t(std::ceil(p / 100.0 * double(count_)));
  rank = std::clamp<std::uint64_t>(rank, 1, count_);
  std::uint64_t seen = 0;
  for (std::size_t i = 0; i < kBuckets; ++i) {
    seen += counts_[i];
    if (seen >= rank) {
      const std::uint64_t mid = lower_bound_of(i) + width_of(i) / 2;
      return std::clamp(mid, min_, max_);
    }
  }
  return max_;
}

}  // namespace strata::tools::load
