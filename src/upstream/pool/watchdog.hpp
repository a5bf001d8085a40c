// A one-shot deadline: runs `on_fire` once when the time is up unless it
// was disarmed (or destroyed) first. Used to bound connects and upstream
// exchanges by closing their transport, which makes pending I/O fail.
// Single-threaded: use on the owning worker's executor.
#pragma once
#include <chrono>
#include <functional>
#include <memory>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/steady_timer.hpp>

namespace strata::upstream::pool {

class Watchdog {
 public:
  Watchdog(boost::asio::any_io_executor ex, std::chrono::steady_clock::duration d,
           std::function<void()> on_fire)
      : timer_(ex), state_(std::make_shared<State>()) {
    state_->on_fire = std::move(on_fire);
    timer_.expires_after(d);
    timer_.async_wait([s = state_](const boost::system::error_code& ec) {
      if (ec || !s->armed) return;
      s->armed = false;
      s->fired = true;
      if (s->on_fire) s->on_fire();
    });
  }
  Watchdog(const Watchdog&) = delete;
  Watchdog& operator=(const Watchdog&) = delete;
  ~Watchdog() { disarm(); }

  void disarm() {
    state_->armed = false;
    state_->on_fire = nullptr;
    timer_.cancel();
  }
  // Replaces the action run on expiry (e.g. a new connection to close).
  void retarget(std::function<void()> on_fire) {
    if (state_->armed) state_->on_fire = std::move(on_fire);
  }
  bool fired() const { return state_->fired; }

 private:
  struct State {
    bool armed = true;
    bool fired = false;
    std::function<void()> on_fire;
  };
  boost::asio::steady_timer timer_;
  std::shared_ptr<State> state_;
};

}  // namespace strata::upstream::pool
