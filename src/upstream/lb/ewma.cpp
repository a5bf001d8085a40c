#include "upstream/lb/ewma.hpp"

#include "core/p2c.hpp"

#include <algorithm>
#include <cmath>

namespace strata::upstream::lb {

void Ewma::observe(double seconds, time_point now) {
  if (seconds < 0) seconds = 0;
  if (!seeded_ || seconds > value_) {
    value_ = seconds;
  } else {
    const double dt = std::chrono::duration<double>(now - last_).count();
    const double tau = std::chrono::duration<double>(tau_).count();
    const double w = dt <= 0 ? 0.0 : 1.0 - std::exp(-dt / tau);
    // At least a small step so a burst of fast samples still pulls it down.
    const double alpha = std::max(w, 0.05);
    value_ += alpha * (seconds - value_);
  }
  seeded_ = true;
  last_ = now;
}

std::optional<std::size_t> EwmaP2C::pick(std::span<const Host> hosts, std::uint64_t) {
  if (hosts.empty()) return std::nullopt;
  if (hosts.size() == 1) return 0;
  double fastest = 0;
  for (const auto& h : hosts)
    if (h.latency > 0 && (fastest == 0 || h.latency < fastest)) fastest = h.latency;
  const auto cost = [&](const Host& h) {
    const double lat = h.latency > 0 ? h.latency : (fastest > 0 ? fastest : 1e-3);
    return lat * (double(h.active) + 1.0) / double(effective_weight(h));
  };
  const auto weight = [&](std::size_t i) { return effective_weight(hosts[i]); };
  const auto better = [&](std::size_t b, std::size_t a) { return cost(hosts[b]) < cost(hosts[a]); };
  return core::p2c_pick(hosts.size(), rng_, weight, better);
}

}  // namespace strata::upstream::lb
