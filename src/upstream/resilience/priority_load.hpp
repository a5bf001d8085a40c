// Priority failover (topics 22, 24): endpoints are grouped by priority
// (0 = preferred). A level's "health" is its healthy share times the
// overprovisioning factor (1.4, as Envoy), capped at 100%. Traffic fills
// levels in order: level 0 takes its health share, the rest spills to the
// next level, and so on; what is left after the last level goes back to the
// healthiest levels proportionally. Pure function of the counts.
#pragma once
#include <cstdint>
#include <vector>

namespace strata::upstream::resilience {

struct PriorityLevel {
  std::uint32_t healthy = 0;
  std::uint32_t total = 0;
};

// Returns per-level percentages summing to 100 (or all 0 when no endpoint
// exists at all).
std::vector<std::uint32_t> priority_load(const std::vector<PriorityLevel>& levels,
                                         double overprovisioning = 1.4);

// Picks a level for a uniform draw in [0, 100).
std::size_t pick_priority(const std::vector<std::uint32_t>& load, std::uint32_t draw);

}  // namespace strata::upstream::resilience
