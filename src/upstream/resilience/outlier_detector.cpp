#include "upstream/resilience/outlier_detector.hpp"

#include <algorithm>

namespace strata::upstream::resilience {

OutlierDetector::OutlierDetector(OutlierConfig cfg, const core::Clock& clock, std::size_t endpoints)
    : cfg_(cfg), clock_(clock), eps_(endpoints) {}

void OutlierDetector::resize(std::size_t endpoints) { eps_.resize(endpoints); }

// An endpoint never ejected (`until` still the epoch) needs no clock read:
// this runs for every endpoint the balancer looks at, on every request.
bool OutlierDetector::ejected(std::size_t i) const {
  return i < eps_.size() && eps_[i].until != core::Clock::time_point{} && eps_[i].until > clock_.now();
}

std::size_t OutlierDetector::ejected_count() const {
  auto now = clock_.now();
  return std::size_t(std::count_if(eps_.begin(), eps_.end(), [&](const Ep& e) { return e.until > now; }));
}

bool OutlierDetector::record(std::size_t i, bool error) {
  if (i >= eps_.size()) return false;
  auto& e = eps_[i];
  if (!error || cfg_.consecutive_errors == 0) {
    e.consecutive = 0;
    return false;
  }
  if (++e.consecutive < cfg_.consecutive_errors || ejected(i)) return false;
  // Cap: ejecting this one must not exceed the allowed share.
  auto limit = eps_.size() * cfg_.max_ejected_percent / 100;
  if (ejected_count() + 1 > limit) return false;
  ++e.ejections;
  auto d = cfg_.base_ejection * e.ejections;
  e.until = clock_.now() + std::min<std::chrono::milliseconds>(d, cfg_.max_ejection);
  e.consecutive = 0;
  return true;
}

bool OutlierDetector::record_connect(std::size_t i, bool failed) {
  if (i >= eps_.size()) return false;
  auto& e = eps_[i];
  if (!failed || cfg_.connect_failures == 0) {
    e.connect_failures = 0;
    return false;
  }
  if (++e.connect_failures < cfg_.connect_failures || ejected(i)) return false;
  e.connect_failures = 0;
  e.until = clock_.now() + cfg_.connect_skip;
  return true;
}

}  // namespace strata::upstream::resilience
