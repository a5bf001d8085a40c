#include "upstream/lb/round_robin.hpp"

namespace strata::upstream::lb {

void RoundRobin::update(std::span<const Host> hosts) { current_.assign(hosts.size(), 0); }

std::optional<std::size_t> RoundRobin::pick(std::span<const Host> hosts, std::uint64_t) {
  if (hosts.empty()) return std::nullopt;
  if (current_.size() != hosts.size()) update(hosts);
  std::int64_t total = 0;
  std::size_t best = 0;
  for (std::size_t i = 0; i < hosts.size(); ++i) {
    const auto w = std::int64_t(effective_weight(hosts[i]));
    current_[i] += w;
    total += w;
    if (current_[i] > current_[best]) best = i;
  }
  current_[best] -= total;
  return best;
}

}  // namespace strata::upstream::lb
