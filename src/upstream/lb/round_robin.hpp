// Smooth weighted round robin (the nginx algorithm): every pick adds each
// host's weight to its current value, takes the largest and subtracts the
// total from it. Spreads heavy hosts evenly instead of in bursts.
#pragma once
#include <vector>

#include "upstream/lb/policy.hpp"

namespace strata::upstream::lb {

class RoundRobin final : public Policy {
 public:
  void update(std::span<const Host> hosts) override;
  std::optional<std::size_t> pick(std::span<const Host> hosts, std::uint64_t hash) override;

 private:
  std::vector<std::int64_t> current_;
};

}  // namespace strata::upstream::lb
