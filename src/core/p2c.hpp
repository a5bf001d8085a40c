// The power of two choices (Mitzenmacher): draw two distinct candidates at
// random, with probability proportional to weight, and keep the better one.
// One helper for every P2C balancer (upstream/lb least_request and ewma
// today). Header-only, no allocation; the caller owns the random engine
// (not thread-safe: one engine per worker).
#pragma once
#include <cstddef>
#include <cstdint>

namespace strata::core {

// An index in [0, n) other than `skip` (skip >= n: none skipped), drawn with
// probability weight(i) / sum of the others' weights. Every weight(i) for
// i != skip must be > 0 and at least one such i must exist. Consumes one
// value of `rng` (a 64-bit engine such as std::mt19937_64).
template <class Rng, class Weight>
std::size_t weighted_draw(std::size_t n, std::size_t skip, Rng& rng, Weight&& weight) {
  std::uint64_t total = 0;
  for (std::size_t i = 0; i < n; ++i)
    if (i != skip) total += std::uint64_t(weight(i));
  std::uint64_t r = std::uint64_t(rng()) % total;
  for (std::size_t i = 0; i < n; ++i) {
    if (i == skip) continue;
    const std::uint64_t w = std::uint64_t(weight(i));
    if (r < w) return i;
    r -= w;
  }
  return skip == 0 ? 1 : 0;  // unreachable with total > 0
}

// Two distinct weighted draws a then b (n >= 2); b wins when better(b, a),
// ties and the rest go to a. Consumes two values of `rng`.
template <class Rng, class Weight, class Better>
std::size_t p2c_pick(std::size_t n, Rng& rng, Weight&& weight, Better&& better) {
  const std::size_t a = weighted_draw(n, n, rng, weight);
  const std::size_t b = weighted_draw(n, a, rng, weight);
  return better(b, a) ? b : a;
}

}  // namespace strata::core
