// GCRA (generic cell rate algorithm), the arithmetic of one rate limit key:
// a theoretical arrival time (TAT) per key; a request at `now` is allowed
// when max(TAT, now) + interval - now <= tolerance, and then moves the TAT
// by one interval. interval = per / rate; tolerance = burst * interval, so
// a fresh key allows `burst` requests at once and `rate` per `per` after.
// Pure functions on integers (nanoseconds on the caller's clock).
#pragma once
#include <algorithm>
#include <cstdint>

namespace strata::security {

struct GcraParams {
  std::int64_t interval = 0;   // ns between requests at the steady rate (> 0)
  std::int64_t tolerance = 0;  // burst * interval
  std::uint32_t burst = 1;
  bool operator==(const GcraParams&) const = default;
};

struct GcraResult {
  bool allowed = false;
  std::int64_t retry_after = 0;  // refused: ns until one request fits again
  std::uint32_t remaining = 0;   // requests that would still fit right now
  std::int64_t reset = 0;        // ns until the key is back to a full burst
};

// Checks one request against `tat` (0 = a fresh key) and moves it when allowed.
inline GcraResult gcra_check(std::int64_t& tat, std::int64_t now, const GcraParams& p) {
  GcraResult r;
  const std::int64_t t = std::max(tat, now);
  const std::int64_t next = t + p.interval;
  if (next - now > p.tolerance) {
    r.retry_after = next - p.tolerance - now;
    r.reset = t - now;
    return r;
  }
  tat = next;
  r.allowed = true;
  r.remaining = std::uint32_t((p.tolerance - (next - now)) / p.interval);
  r.reset = next - now;
  return r;
}

}  // namespace strata::security
