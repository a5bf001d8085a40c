#include "upstream/lb/ewma.hpp"

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

std::size_t EwmaP2C::draw(std::span<const Host> hosts, std::size_t skip) {
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
  return skip == 0 ? 1 : 0;
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
  const std::size_t a = draw(hosts, hosts.size());
  const std::size_t b = draw(hosts, a);
  return cost(hosts[b]) < cost(hosts[a]) ? b : a;
}

}  // namespace strata::upstream::lb
