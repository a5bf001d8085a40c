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

// Wall-clock time for what HTTP dates mean (Date, Expires, Last-Modified,
// Age: the cache). Production code uses SystemWallClock; tests use
// FakeWallClock.
class WallClock {
 public:
  using time_point = std::chrono::system_clock::time_point;
  virtual ~WallClock() = default;
  virtual time_point now() const = 0;
};

class SystemWallClock final : public WallClock {
 public:
  time_point now() const override { return std::chrono::system_clock::now(); }
  static const SystemWallClock& instance() {
    static SystemWallClock c;
    return c;
  }
};

class FakeWallClock final : public WallClock {
 public:
  time_point now() const override { return time_point(std::chrono::system_clock::duration(t_.load())); }
  void advance(std::chrono::system_clock::duration d) { t_ += d.count(); }
  void set(time_point t) { t_ = t.time_since_epoch().count(); }
 private:
  // 2026-01-01T00:00:00Z
  std::atomic<long long> t_{std::chrono::duration_cast<std::chrono::system_clock::duration>(
                                std::chrono::seconds(1767225600)).count()};
};

}  // namespace strata::core
