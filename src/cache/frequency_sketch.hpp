// Internal to the store: the W-TinyLFU frequency estimate (TinyLFU, Einziger
// et al.): a count-min sketch of 4-bit counters (4 rows) behind a
// doorkeeper bloom filter. The first access to a key only sets its
// doorkeeper bits; later ones count in the sketch. After `sample` counted
// accesses every counter is halved and the doorkeeper cleared (aging), so
// the estimate follows recent popularity. Not thread-safe (one per shard,
// under its mutex).
#pragma once
#include <cstdint>
#include <vector>

namespace strata::cache::detail {

class FrequencySketch {
 public:
  // Sized for about `expected` distinct keys (rounded up to a power of two,
  // at least 64); the aging sample is 10x that.
  explicit FrequencySketch(std::uint64_t expected);
  void resize(std::uint64_t expected);  // clears

  void increment(std::uint64_t hash);
  // Estimated accesses in the current sample (0..16).
  unsigned frequency(std::uint64_t hash) const;
  std::uint64_t width() const { return width_; }

 private:
  unsigned counter(unsigned row, std::uint64_t hash) const;
  std::uint64_t index(unsigned row, std::uint64_t hash) const;
  bool door_contains(std::uint64_t hash) const;
  void door_put(std::uint64_t hash);
  void age();

  std::uint64_t width_ = 0;                 // counters per row (power of two)
  std::vector<std::uint64_t> table_;        // 4 rows x width_ nibbles, 16 per word
  std::vector<std::uint64_t> door_;         // bloom filter bits (width_ * 8)
  std::uint64_t sample_ = 0;
  std::uint64_t additions_ = 0;
};

}  // namespace strata::cache::detail
