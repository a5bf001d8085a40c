// A one-shot deadline: runs `on_fire` once when the time is up unless it
// was disarmed (or destroyed) first. Used to bound connects and upstream
// exchanges by closing their transport, which makes pending I/O fail.
// An entry in the worker's io::Deadlines (one timer for all of them):
// arming one per upstream try allocates nothing and takes no lock.
// Single-threaded: use on the owning worker's executor; it must not move
// while armed (it lives in the awaiting coroutine's frame). `on_fire` runs
// from the worker's timer handler and must not destroy the Watchdog
// (closing a socket or waking a stream only posts the waiter's resumption).
#pragma once
#include <chrono>
#include <functional>

#include <boost/asio/any_io_executor.hpp>

#include "io/deadlines.hpp"

namespace strata::upstream::pool {

class Watchdog final : private io::Deadlines::Entry {
 public:
  Watchdog(const boost::asio::any_io_executor& ex, std::chrono::steady_clock::duration d,
           std::function<void()> on_fire)
      : on_fire_(std::move(on_fire)) {
    io::Deadlines::of(ex).arm_after(*this, d);
  }
  ~Watchdog() { io::Deadlines::cancel(*this); }

  void disarm() {
    io::Deadlines::cancel(*this);
    on_fire_ = nullptr;
  }
  // Replaces the action run on expiry (e.g. a new connection to close).
  void retarget(std::function<void()> on_fire) {
    if (armed()) on_fire_ = std::move(on_fire);
  }
  bool fired() const { return fired_; }

 private:
  void expire() override {
    fired_ = true;
    if (on_fire_) on_fire_();
  }
  std::function<void()> on_fire_;
  bool fired_ = false;
};

}  // namespace strata::upstream::pool
