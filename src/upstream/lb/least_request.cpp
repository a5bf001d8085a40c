#include "upstream/lb/least_request.hpp"

namespace strata::upstream::lb {

std::size_t LeastRequest::draw(std::span<const Host> hosts, std::size_t skip) {
  std::uint64_t total = 0;
  for (std::size_t i = 0; i < hosts.size(); ++i)
    if (i != skip) total += effective_weight(hosts[i]);
  std::uint64_t r = rng_() % total;
  for (std::size_t i = 0; i < hosts.size(); ++i) {
    if (i == skip) continue;
    const std::uint64_t w = effective_weight(hosts[i]);
    if (r < w) return i;
    r -= w;
  }
  return skip == 0 ? 1 : 0;  // unreachable with total > 0
}

std::optional<std::size_t> LeastRequest::pick(std::span<const Host> hosts, std::uint64_t) {
  if (hosts.empty()) return std::nullopt;
  if (hosts.size() == 1) return 0;
  const std::size_t a = draw(hosts, hosts.size());
  const std::size_t b = draw(hosts, a);
  // b wins when active_b / w_b < active_a / w_a (cross-multiplied, exact).
  const auto load_b = std::uint64_t(hosts[b].active) * effective_weight(hosts[a]);
  const auto load_a = std::uint64_t(hosts[a].active) * effective_weight(hosts[b]);
  return load_b < load_a ? b : a;
}

}  // namespace strata::upstream::lb
