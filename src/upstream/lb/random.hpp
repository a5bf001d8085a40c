// Weighted random: a host is chosen with probability weight / total weight.
#pragma once
#include "core/fast_rng.hpp"

#include "upstream/lb/policy.hpp"

namespace strata::upstream::lb {

class Random final : public Policy {
 public:
  explicit Random(std::uint64_t seed) : rng_(seed) {}
  void update(std::span<const Host>) override {}
  std::optional<std::size_t> pick(std::span<const Host> hosts, std::uint64_t hash) override;

 private:
  core::FastRng rng_;
};

}  // namespace strata::upstream::lb
