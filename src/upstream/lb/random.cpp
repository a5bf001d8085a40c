#include "upstream/lb/random.hpp"

namespace strata::upstream::lb {

std::optional<std::size_t> Random::pick(std::span<const Host> hosts, std::uint64_t) {
  if (hosts.empty()) return std::nullopt;
  std::uint64_t total = 0;
  for (const auto& h : hosts) total += effective_weight(h);
  std::uint64_t r = rng_() % total;
  for (std::size_t i = 0; i < hosts.size(); ++i) {
    const std::uint64_t w = effective_weight(hosts[i]);
    if (r < w) return i;
    r -= w;
  }
  return hosts.size() - 1;
}

}  // namespace strata::upstream::lb
