// Open-loop request scheduling for `strata load --rate`: each connection
// sends its i-th request at a fixed INTENDED time, and latency is measured
// from that time (not from when the request actually left), so a stalled
// server cannot hide its stall by slowing the client down (no coordinated
// omission). Pure arithmetic over time points; thread-free.
#pragma once
#include <chrono>
#include <cstdint>

namespace strata::tools::load {

class RateSchedule {
 public:
  using time_point = std::chrono::steady_clock::time_point;
  using duration = std::chrono::nanoseconds;

  // `total_rate` requests/s spread evenly over `connections`; connection
  // `conn_index` (0-based) is offset by conn_index/connections of an
  // interval so the aggregate stream is evenly spaced. Requires
  // total_rate > 0 and conn_index < connections.
  RateSchedule(time_point start, double total_rate, unsigned connections, unsigned conn_index);

  // Intended send time of this connection's request number `i` (0-based).
  time_point intended(std::uint64_t i) const;
  // Number of requests whose intended time is <= now (i.e. due so far).
  std::uint64_t due_by(time_point now) const;
  duration interval() const { return duration(std::int64_t(interval_ns_)); }

 private:
  time_point first_;
  double interval_ns_;
};

}  // namespace strata::tools::load
