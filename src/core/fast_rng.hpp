// A small, fast pseudo-random engine for the request path: request ids,
// traceparent ids, load-balancer draws, retry jitter. xoshiro256** (Blackman
// and Vigna): 32 bytes of state, a few shifts and multiplies per value,
// period 2^256 - 1; seeded through splitmix64 so that any 64-bit seed gives
// a well-mixed, non-zero state. Not cryptographic: nothing secret is drawn
// from it. std::mt19937_64, which it replaces there, keeps 2.5 KB of state
// and regenerates it every 312 values (about 370 instructions a proxied
// request for the ids alone). Satisfies UniformRandomBitGenerator, so
// <random> distributions take it. Not thread-safe: one engine per worker.
#pragma once
#include <cstdint>
#include <random>

namespace strata::core {

class FastRng {
 public:
  using result_type = std::uint64_t;
  static constexpr result_type min() { return 0; }
  static constexpr result_type max() { return ~result_type(0); }

  explicit FastRng(std::uint64_t seed = 0x853c49e6748fea9bull) { this->seed(seed); }

  void seed(std::uint64_t seed) {
    for (auto& w : s_) w = splitmix64(seed);
  }

  // A seed from std::random_device (two draws: 64 bits).
  static FastRng from_device() {
    std::random_device rd;
    return FastRng((std::uint64_t(rd()) << 32) ^ std::uint64_t(rd()));
  }

  result_type operator()() {
    const std::uint64_t out = rotl(s_[1] * 5, 7) * 9;
    const std::uint64_t t = s_[1] << 17;
    s_[2] ^= s_[0];
    s_[3] ^= s_[1];
    s_[1] ^= s_[2];
    s_[0] ^= s_[3];
    s_[2] ^= t;
    s_[3] = rotl(s_[3], 45);
    return out;
  }

 private:
  static std::uint64_t rotl(std::uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }
  static std::uint64_t splitmix64(std::uint64_t& x) {
    std::uint64_t z = (x += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
  }
  std::uint64_t s_[4];
};

}  // namespace strata::core
