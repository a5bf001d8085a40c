// Passive outlier detection: an endpoint that returns `consecutive_errors`
// gateway errors/5xx in a row is ejected for base_ejection * (number of
// times it was ejected), capped at max_ejection; never more than
// `max_ejected_percent` of endpoints are ejected at once. Time from an
// injected clock; not thread-safe (one per cluster per worker).
#pragma once
#include <chrono>
#include <cstdint>
#include <vector>

#include "core/clock.hpp"

namespace strata::upstream::resilience {

struct OutlierConfig {
  std::uint32_t consecutive_errors = 5;
  std::chrono::milliseconds base_ejection{30'000};
  std::chrono::milliseconds max_ejection{300'000};
  std::uint32_t max_ejected_percent = 50;
};

class OutlierDetector {
 public:
  OutlierDetector(OutlierConfig cfg, const core::Clock& clock, std::size_t endpoints);
  void resize(std::size_t endpoints);
  // Returns true when this result ejected the endpoint.
  bool record(std::size_t endpoint, bool error);
  bool ejected(std::size_t endpoint) const;
  std::size_t ejected_count() const;
  std::uint32_t times_ejected(std::size_t endpoint) const { return eps_.at(endpoint).ejections; }

 private:
  struct Ep {
    std::uint32_t consecutive = 0;
    std::uint32_t ejections = 0;
    core::Clock::time_point until{};
  };
  OutlierConfig cfg_;
  const core::Clock& clock_;
  std::vector<Ep> eps_;
};

}  // namespace strata::upstream::resilience
