// Least request with the power of two choices: two distinct hosts are drawn
// at random with probability proportional to weight; the one with fewer
// active requests per unit of weight (active / weight) wins, ties go to the
// first draw. With no load this is weighted random; under load it steers
// away from busy hosts without herding every worker onto the same one.
#pragma once
#include "core/fast_rng.hpp"

#include "upstream/lb/policy.hpp"

namespace strata::upstream::lb {

class LeastRequest final : public Policy {
 public:
  explicit LeastRequest(std::uint64_t seed) : rng_(seed) {}
  void update(std::span<const Host>) override {}
  std::optional<std::size_t> pick(std::span<const Host> hosts, std::uint64_t hash) override;

 private:
  core::FastRng rng_;
};

}  // namespace strata::upstream::lb
