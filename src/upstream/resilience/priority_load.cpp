#include "upstream/resilience/priority_load.hpp"

#include <algorithm>
#include <cmath>

namespace strata::upstream::resilience {

std::vector<std::uint32_t> priority_load(const std::vector<PriorityLevel>& levels, double overprovisioning) {
  std::vector<std::uint32_t> load(levels.size(), 0);
  std::vector<std::uint32_t> health(levels.size(), 0);
  std::uint32_t total_health = 0;
  for (std::size_t i = 0; i < levels.size(); ++i) {
    if (levels[i].total == 0) continue;
    double h = 100.0 * overprovisioning * levels[i].healthy / levels[i].total;
    health[i] = std::uint32_t(std::min(100.0, std::floor(h)));
    total_health += health[i];
  }
  if (levels.empty()) return load;
  if (total_health == 0) {
    // Nothing healthy anywhere: send everything to the first non-empty level
    // (panic mode: better to try than to refuse).
    for (std::size_t i = 0; i < levels.size(); ++i)
      if (levels[i].total) {
        load[i] = 100;
        return load;
      }
    return load;
  }
  std::uint32_t left = 100;
  for (std::size_t i = 0; i < levels.size() && left; ++i) {
    auto take = std::min(left, health[i]);
    load[i] = take;
    left -= take;
  }
  if (left) {
    // Normalise: distribute the rest proportionally to health.
    std::uint32_t given = 0;
    for (std::size_t i = 0; i < levels.size(); ++i) {
      auto extra = left * health[i] / total_health;
      load[i] += extra;
      given += extra;
    }
    for (std::size_t i = 0; i < levels.size() && given < left; ++i)
      if (health[i]) {
        load[i] += left - given;
        given = left;
      }
  }
  return load;
}

std::size_t pick_priority(const std::vector<std::uint32_t>& load, std::uint32_t draw) {
  std::uint32_t acc = 0;
  for (std::size_t i = 0; i < load.size(); ++i) {
    acc += load[i];
    if (draw < acc) return i;
  }
  return load.empty() ? 0 : load.size() - 1;
}

}  // namespace strata::upstream::resilience
