// Test helper: a fake clock plus a manual TimerQueue for conn::ConnTime.
// Connections built on a context whose time() returns `time` never arm a
// real deadline; advance() moves the clock and expires the due Timers, and
// the test then runs the io_context (poll) to let the woken coroutines go.
#pragma once
#include <algorithm>
#include <vector>

#include "conn/timer.hpp"
#include "core/clock.hpp"

namespace strata::test {

class FakeTimers final : public conn::TimerQueue {
 public:
  FakeTimers() {
    time.clock = &clock;
    time.queue = this;
    time.park_after = {};  // idle h1 connections park at once: no real-time sweep
  }
  FakeTimers(const FakeTimers&) = delete;
  FakeTimers& operator=(const FakeTimers&) = delete;

  void arm(conn::Timer& t, core::Clock::time_point at) override { armed_.push_back({&t, at}); }
  void disarm(conn::Timer& t) override {
    std::erase_if(armed_, [&](const Entry& e) { return e.timer == &t; });
  }
  // Moves the clock by `d` and expires every Timer due by then.
  void advance(core::Clock::duration d) {
    clock.advance(d);
    auto now = clock.now();
    std::vector<conn::Timer*> due;
    for (auto& e : armed_)
      if (e.at <= now) due.push_back(e.timer);
    std::erase_if(armed_, [&](const Entry& e) { return e.at <= now; });
    for (auto* t : due) t->expire();
  }
  std::size_t armed() const { return armed_.size(); }

  core::FakeClock clock;
  conn::ConnTime time;

 private:
  struct Entry {
    conn::Timer* timer;
    core::Clock::time_point at;
  };
  std::vector<Entry> armed_;
};

}  // namespace strata::test
