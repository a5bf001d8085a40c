#include "upstream/resilience/circuit_breaker.hpp"

#include <algorithm>
#include <utility>

namespace strata::upstream::resilience {

std::string_view to_string(BreakerState s) {
  switch (s) {
    case BreakerState::closed: return "closed";
    case BreakerState::open: return "open";
    case BreakerState::half_open: return "half_open";
  }
  return "closed";
}

CircuitBreaker::CircuitBreaker(BreakerConfig cfg, const core::Clock& clock) : cfg_(cfg), clock_(clock) {
  if (cfg_.window.count() < std::int64_t(kBuckets)) cfg_.window = std::chrono::milliseconds(kBuckets);
  if (cfg_.half_open_probes == 0) cfg_.half_open_probes = 1;
  if (cfg_.close_after == 0) cfg_.close_after = 1;
}

std::int64_t CircuitBreaker::slice_now() const {
  auto slice = cfg_.window / std::int64_t(kBuckets);
  return clock_.now().time_since_epoch() / slice;
}

CircuitBreaker::Bucket& CircuitBreaker::current_bucket() {
  auto e = slice_now();
  auto& b = buckets_[std::size_t(e % std::int64_t(kBuckets))];
  if (b.epoch != e) b = Bucket{e, 0, 0};
  return b;
}

std::uint64_t CircuitBreaker::window_successes() const {
  auto e = slice_now();
  std::uint64_t n = 0;
  for (const auto& b : buckets_)
    if (b.epoch > e - std::int64_t(kBuckets)) n += b.ok;
  return n;
}

std::uint64_t CircuitBreaker::window_failures() const {
  auto e = slice_now();
  std::uint64_t n = 0;
  for (const auto& b : buckets_)
    if (b.epoch > e - std::int64_t(kBuckets)) n += b.failed;
  return n;
}

void CircuitBreaker::reset_window() {
  buckets_.fill(Bucket{});
  consecutive_failures_ = 0;
}

void CircuitBreaker::transition(BreakerState to) {
  if (to == state_) return;
  auto from = state_;
  state_ = to;
  ++generation_;
  probes_in_flight_ = 0;
  probe_successes_ = 0;
  if (to == BreakerState::open) opened_at_ = clock_.now();
  if (to == BreakerState::closed) reset_window();
  if (listener_) listener_(from, to);
}

std::chrono::milliseconds CircuitBreaker::retry_after() const {
  if (state_ != BreakerState::open) return std::chrono::milliseconds(0);
  auto left = cfg_.open_duration - std::chrono::duration_cast<std::chrono::milliseconds>(clock_.now() - opened_at_);
  return std::max(left, std::chrono::milliseconds(0));
}

CircuitBreaker::Ticket& CircuitBreaker::Ticket::operator=(Ticket&& o) noexcept {
  if (this != &o) {
    release();
    breaker_ = std::exchange(o.breaker_, nullptr);
    admitted_ = o.admitted_;
    probe_ = o.probe_;
    generation_ = o.generation_;
  }
  return *this;
}

void CircuitBreaker::Ticket::release() {
  if (auto* b = std::exchange(breaker_, nullptr)) b->give_back(*this);
}

void CircuitBreaker::give_back(const Ticket& t) {
  if (t.probe_ && t.generation_ == generation_ && state_ == BreakerState::half_open &&
      probes_in_flight_ > 0)
    --probes_in_flight_;
}

CircuitBreaker::Ticket CircuitBreaker::allow() {
  Ticket t;
  t.generation_ = generation_;
  if (state_ == BreakerState::open) {
    if (clock_.now() - opened_at_ < cfg_.open_duration) return t;
    transition(BreakerState::half_open);
    t.generation_ = generation_;
  }
  if (state_ == BreakerState::half_open) {
    if (probes_in_flight_ >= cfg_.half_open_probes) return t;
    ++probes_in_flight_;
    t.probe_ = true;
  }
  t.admitted_ = true;
  t.breaker_ = this;
  return t;
}

void CircuitBreaker::record(Ticket& t, bool success) {
  // Consumed: from here on the ticket gives nothing back when dropped.
  if (!std::exchange(t.breaker_, nullptr)) return;  // not admitted, or already recorded
  if (t.generation_ != generation_) return;         // stale result
  if (state_ == BreakerState::half_open) {
    if (t.probe_ && probes_in_flight_ > 0) --probes_in_flight_;
    if (!success) {
      transition(BreakerState::open);
      return;
    }
    if (++probe_successes_ >= cfg_.close_after) transition(BreakerState::closed);
    return;
  }
  // closed
  auto& b = current_bucket();
  if (success) {
    ++b.ok;
    consecutive_failures_ = 0;
    return;
  }
  ++b.failed;
  ++consecutive_failures_;
  if (cfg_.consecutive_failures && consecutive_failures_ >= cfg_.consecutive_failures) {
    transition(BreakerState::open);
    return;
  }
  auto failed = window_failures();
  auto total = failed + window_successes();
  if (total >= cfg_.min_requests && total > 0 && double(failed) >= cfg_.failure_ratio * double(total))
    transition(BreakerState::open);
}

}  // namespace strata::upstream::resilience
