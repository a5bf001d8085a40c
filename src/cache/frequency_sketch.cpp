#include "cache/frequency_sketch.hpp"

#include <algorithm>
#include <bit>

namespace strata::cache::detail {
namespace {

constexpr unsigned kRows = 4;
constexpr std::uint64_t kSeeds[kRows] = {0xc3a5c85c97cb3127ull, 0xb492b66fbe98f273ull, 0x9ae16a3b2f90404full,
                                         0xcbf29ce484222325ull};

std::uint64_t mix(std::uint64_t h, std::uint64_t seed) {
  h = (h ^ seed) * 0x9e3779b97f4a7c15ull;
  h ^= h >> 32;
  h *= 0xd6e8feb86659fd93ull;
  h ^= h >> 32;
  return h;
}

}  // namespace

FrequencySketch::FrequencySketch(std::uint64_t expected) { resize(expected); }

void FrequencySketch::resize(std::uint64_t expected) {
  width_ = std::bit_ceil(std::clamp<std::uint64_t>(expected, 64, 1ull << 24));
  table_.assign(kRows * width_ / 16, 0);
  door_.assign(width_ * 8 / 64, 0);
  sample_ = 10 * width_;
  additions_ = 0;
}

std::uint64_t FrequencySketch::index(unsigned row, std::uint64_t hash) const {
  return row * width_ + (mix(hash, kSeeds[row]) & (width_ - 1));
}

unsigned FrequencySketch::counter(unsigned row, std::uint64_t hash) const {
  const std::uint64_t i = index(row, hash);
  return unsigned(table_[i / 16] >> ((i % 16) * 4)) & 0xf;
}

bool FrequencySketch::door_contains(std::uint64_t hash) const {
  const std::uint64_t bits = width_ * 8;
  const std::uint64_t a = mix(hash, 0x27d4eb2f165667c5ull) & (bits - 1);
  const std::uint64_t b = mix(hash, 0x165667b19e3779f9ull) & (bits - 1);
  return (door_[a / 64] >> (a % 64) & 1) && (door_[b / 64] >> (b % 64) & 1);
}

void FrequencySketch::door_put(std::uint64_t hash) {
  const std::uint64_t bits = width_ * 8;
  const std::uint64_t a = mix(hash, 0x27d4eb2f165667c5ull) & (bits - 1);
  const std::uint64_t b = mix(hash, 0x165667b19e3779f9ull) & (bits - 1);
  door_[a / 64] |= 1ull << (a % 64);
  door_[b / 64] |= 1ull << (b % 64);
}

void FrequencySketch::increment(std::uint64_t hash) {
  if (!door_contains(hash)) {
    door_put(hash);
  } else {
    // Conservative update: only the rows at the minimum grow.
    unsigned m = 15;
    for (unsigned r = 0; r < kRows; ++r) m = std::min(m, counter(r, hash));
    if (m < 15)
      for (unsigned r = 0; r < kRows; ++r) {
        const std::uint64_t i = index(r, hash);
        const unsigned shift = (i % 16) * 4;
        if ((unsigned(table_[i / 16] >> shift) & 0xf) == m) table_[i / 16] += 1ull << shift;
      }
  }
  if (++additions_ >= sample_) age();
}

unsigned FrequencySketch::frequency(std::uint64_t hash) const {
  unsigned m = 15;
  for (unsigned r = 0; r < kRows; ++r) m = std::min(m, counter(r, hash));
  return m + (door_contains(hash) ? 1 : 0);
}

void FrequencySketch::age() {
  for (auto& w : table_) w = (w >> 1) & 0x7777777777777777ull;
  std::fill(door_.begin(), door_.end(), 0);
  additions_ /= 2;
}

}  // namespace strata::cache::detail
