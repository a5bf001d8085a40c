// Active health-check verdicts with rise/fall hysteresis: an endpoint is
// marked down after `fall` consecutive failed checks and up again after
// `rise` consecutive passed checks (defaults 3/2; topic 22: checks every
// 30 s, 3 failures to mark down). Pure state; the checker schedules probes.
#pragma once
#include <cstdint>

namespace strata::upstream::resilience {

struct HealthThresholds {
  std::uint32_t rise = 2;
  std::uint32_t fall = 3;
};

class HealthState {
 public:
  explicit HealthState(HealthThresholds t, bool initially_healthy = true)
      : t_(t), healthy_(initially_healthy) {}
  // Returns true when this result changed the verdict.
  bool record(bool passed) {
    if (passed) {
      fails_ = 0;
      if (!healthy_ && ++passes_ >= t_.rise) {
        healthy_ = true;
        passes_ = 0;
        return true;
      }
      return false;
    }
    passes_ = 0;
    if (healthy_ && ++fails_ >= t_.fall) {
      healthy_ = false;
      fails_ = 0;
      return true;
    }
    return false;
  }
  bool healthy() const { return healthy_; }

 private:
  HealthThresholds t_;
  bool healthy_;
  std::uint32_t passes_ = 0, fails_ = 0;
};

}  // namespace strata::upstream::resilience
