// A counter over a sliding time window, approximated with two fixed
// buckets (the previous and the current window-long bucket, aligned on the
// clock's epoch): estimate = previous * (1 - elapsed/window) + current.
// O(1) memory per key (three words); the error is bounded by the previous
// bucket's share and assumes its events were spread evenly. Chosen over a
// ring of sub-buckets because rule tables hold up to max_keys entries and
// thresholds are coarse (e.g. 1000 per hour). Not thread-safe: the owner
// (security/rule_table.hpp) locks.
#pragma once
#include <cstdint>

namespace strata::security {

class SlidingWindow {
 public:
  // Adds `n` events at `now_ns` (clock nanoseconds; monotonic) and returns
  // the estimate of the events in the window ending now, these included.
  double add(std::int64_t now_ns, std::int64_t window_ns, std::uint64_t n) {
    roll(now_ns, window_ns);
    cur_ += n;
    return estimate(now_ns, window_ns);
  }
  // The estimate at `now_ns` without adding (rolls the buckets).
  double estimate(std::int64_t now_ns, std::int64_t window_ns) {
    roll(now_ns, window_ns);
    const double into = double(now_ns - idx_ * window_ns) / double(window_ns);
    return double(prev_) * (1.0 - into) + double(cur_);
  }

 private:
  void roll(std::int64_t now_ns, std::int64_t window_ns) {
    const std::int64_t idx = now_ns / window_ns;
    if (idx == idx_) return;
    prev_ = idx == idx_ + 1 ? cur_ : 0;
    cur_ = 0;
    idx_ = idx;
  }
  std::int64_t idx_ = 0;
  std::uint64_t prev_ = 0, cur_ = 0;
};

}  // namespace strata::security
