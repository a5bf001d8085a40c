// Passive outlier detection, per cluster per worker, two independent rules
// over the same ejection state (an ejected endpoint is not picked):
// - errors: an endpoint that returns `consecutive_errors` gateway
//   errors/5xx in a row is ejected for base_ejection * (number of times it
//   was ejected), capped at max_ejection; never more than
//   `max_ejected_percent` of endpoints are ejected at once by this rule.
//   consecutive_errors = 0 turns the rule off (no outlier_detection block).
// - connect failures: `connect_failures` failed connects in a row (nothing
//   sent: refused, unreachable, timed out) skip the endpoint for
//   `connect_skip` (nginx's max_fails/fail_timeout). Not capped: an endpoint
//   that cannot be connected to serves nobody, and when every endpoint is
//   out the cluster's picker falls back to all of them (panic mode).
//   A connect that succeeds ends the run. connect_failures = 0: off.
// Time from an injected clock; not thread-safe (one per cluster per worker).
#pragma once
#include <chrono>
#include <cstdint>
#include <vector>

#include "core/clock.hpp"

namespace strata::upstream::resilience {

struct OutlierConfig {
  std::uint32_t consecutive_errors = 5;  // 0 = no error-based ejection
  std::chrono::milliseconds base_ejection{30'000};
  std::chrono::milliseconds max_ejection{300'000};
  std::uint32_t max_ejected_percent = 50;
  std::uint32_t connect_failures = 0;    // 0 = no connect-failure skipping
  std::chrono::milliseconds connect_skip{10'000};
};

class OutlierDetector {
 public:
  OutlierDetector(OutlierConfig cfg, const core::Clock& clock, std::size_t endpoints);
  void resize(std::size_t endpoints);
  // An upstream answer or failure (`error` = 5xx/gateway error). Returns
  // true when this result ejected the endpoint.
  bool record(std::size_t endpoint, bool error);
  // How a connect ended: `failed` (nothing was sent) or connected. Returns
  // true when this failure started a skip of the endpoint.
  bool record_connect(std::size_t endpoint, bool failed);
  bool ejected(std::size_t endpoint) const;
  std::size_t ejected_count() const;
  std::uint32_t times_ejected(std::size_t endpoint) const { return eps_.at(endpoint).ejections; }
  const OutlierConfig& config() const { return cfg_; }

 private:
  struct Ep {
    std::uint32_t consecutive = 0;
    std::uint32_t connect_failures = 0;
    std::uint32_t ejections = 0;
    core::Clock::time_point until{};
  };
  OutlierConfig cfg_;
  const core::Clock& clock_;
  std::vector<Ep> eps_;
};

}  // namespace strata::upstream::resilience
