// A three-state circuit breaker (closed -> open -> half-open -> closed),
// independent of HTTP. Time comes from an injected core::Clock.
//
// closed:    every request is admitted; results land in a rolling window.
//            Trips to open when, over `window`, at least `min_requests`
//            finished and the failure share reached `failure_ratio`, or when
//            `consecutive_failures` (if > 0) failed in a row.
// open:      nothing is admitted until `open_duration` has passed; then the
//            next allow() moves to half-open.
// half-open: at most `half_open_probes` requests in flight; `close_after`
//            consecutive successes close it; any failure reopens it.
//
// Defaults are topic 12 of the source material: 50% over 10 s, 30 s open,
// 3 successes to close. Not thread-safe: one breaker per worker, or guard it.
//
// Admission is a move-only Ticket: record() hands back its result; a ticket
// dropped without a result (the request threw, was cancelled, or never got
// to a try) gives a half-open probe slot back without counting anything. A
// Ticket must not outlive its breaker.
#pragma once
#include <array>
#include <cstdint>
#include <functional>
#include <string_view>

#include "core/clock.hpp"

namespace strata::upstream::resilience {

struct BreakerConfig {
  double failure_ratio = 0.5;
  std::chrono::milliseconds window{10'000};
  std::uint32_t min_requests = 20;
  std::uint32_t consecutive_failures = 0;  // 0 = only the ratio rule
  std::chrono::milliseconds open_duration{30'000};
  std::uint32_t half_open_probes = 3;
  std::uint32_t close_after = 3;
};

enum class BreakerState : std::uint8_t { closed, open, half_open };
std::string_view to_string(BreakerState s);

class CircuitBreaker {
 public:
  // What allow() granted; hand it back to record(), or drop it.
  class Ticket {
   public:
    Ticket() = default;
    Ticket(Ticket&& o) noexcept { *this = std::move(o); }
    Ticket& operator=(Ticket&& o) noexcept;
    Ticket(const Ticket&) = delete;
    Ticket& operator=(const Ticket&) = delete;
    ~Ticket() { release(); }

    bool admitted() const { return admitted_; }
    bool probe() const { return probe_; }  // a half-open probe
    // Whether it still holds admission (admitted, no result recorded yet).
    bool pending() const { return breaker_ != nullptr; }

   private:
    friend class CircuitBreaker;
    void release();
    CircuitBreaker* breaker_ = nullptr;  // set while admission is held
    bool admitted_ = false;
    bool probe_ = false;
    std::uint64_t generation_ = 0;       // results from an older state are ignored
  };
  using Listener = std::function<void(BreakerState from, BreakerState to)>;

  CircuitBreaker(BreakerConfig cfg, const core::Clock& clock);

  Ticket allow();
  // The result of an admitted request; consumes the ticket (a second record
  // of the same ticket is ignored).
  void record(Ticket& t, bool success);
  void record(Ticket&& t, bool success) { record(t, success); }
  BreakerState state() const { return state_; }
  // Time left until an open breaker admits a probe (0 unless open).
  std::chrono::milliseconds retry_after() const;
  void on_transition(Listener l) { listener_ = std::move(l); }
  const BreakerConfig& config() const { return cfg_; }

  // Rolling-window totals (for metrics and tests).
  std::uint64_t window_successes() const;
  std::uint64_t window_failures() const;

 private:
  static constexpr std::size_t kBuckets = 10;
  struct Bucket {
    std::int64_t epoch = -1;  // which slice of time this bucket holds
    std::uint32_t ok = 0, failed = 0;
  };
  void transition(BreakerState to);
  void give_back(const Ticket& t);  // a dropped ticket: free its probe slot
  Bucket& current_bucket();
  std::int64_t slice_now() const;
  void reset_window();

  BreakerConfig cfg_;
  const core::Clock& clock_;
  BreakerState state_ = BreakerState::closed;
  std::uint64_t generation_ = 0;
  std::array<Bucket, kBuckets> buckets_{};
  std::uint32_t consecutive_failures_ = 0;
  std::uint32_t probes_in_flight_ = 0;
  std::uint32_t probe_successes_ = 0;
  core::Clock::time_point opened_at_{};
  Listener listener_;
};

}  // namespace strata::upstream::resilience
