// Injectable time source for state machines (limits, breakers, caches).
// Production code uses SteadyClock; tests use FakeClock and advance it.
#pragma once
#include <atomic>
#include <chrono>

namespace strata::core {

class Clock {
 public:
  using duration = std::chrono::nanoseconds;
  using time_point = std::chrono::steady_clock::time_point;
  virtual ~Clock() = default;
  virtual time_point now() const = 0;
};

class SteadyClock final : public Clock {
 public:
  time_point now() const override { return std::chrono::steady_clock::now(); }
  static const SteadyClock& instance() {
    static SteadyClock c;
    return c;
  }
};

class FakeClock final : public Clock {
 public:
  time_point now() const override { return time_point(duration(ns_.load())); }
  void advance(duration d) { ns_ += d.count(); }
  void set(time_point t) { ns_ = t.time_since_epoch().count(); }
 private:
  std::atomic<long long> ns_{1'000'000'000};
};

}  // namespace strata::core
