#include "tools/load/rate_schedule.hpp"

#include <cmath>

namespace strata::tools::load {

RateSchedule::RateSchedule(time_point start, double total_rate, unsigned connections,
                           unsigned conn_index) {
  const double per_conn = total_rate / double(connections ? connections : 1);
  interval_ns_ = 1e9 / per_conn;
  const double offset = interval_ns_ * double(conn_index) / double(connections ? connections : 1);
  first_ = start + duration(std::int64_t(std::llround(offset)));
}

RateSchedule::time_point RateSchedule::intended(std::uint64_t i) const {
  return first_ + duration(std::int64_t(std::llround(double(i) * interval_ns_)));
}

std::uint64_t RateSchedule::due_by(time_point now) const {
  if (now < first_) return 0;
  const double elapsed = double((now - first_).count());
  auto n = std::uint64_t(std::floor(elapsed / interval_ns_)) + 1;
  // Guard the rounding of intended() against the division above.
  while (n > 0 && intended(n - 1) > now) --n;
  while (intended(n) <= now) ++n;
  return n;
}

}  // namespace strata::tools::load
