#include "upstream/lb/least_request.hpp"

#include "core/p2c.hpp"

namespace strata::upstream::lb {

std::optional<std::size_t> LeastRequest::pick(std::span<const Host> hosts, std::uint64_t) {
  if (hosts.empty()) return std::nullopt;
  if (hosts.size() == 1) return 0;
  const auto weight = [&](std::size_t i) { return effective_weight(hosts[i]); };
  // b wins when active_b / w_b < active_a / w_a (cross-multiplied, exact).
  const auto better = [&](std::size_t b, std::size_t a) {
    return std::uint64_t(hosts[b].active) * effective_weight(hosts[a]) <
           std::uint64_t(hosts[a].active) * effective_weight(hosts[b]);
  };
  return core::p2c_pick(hosts.size(), rng_, weight, better);
}

}  // namespace strata::upstream::lb
