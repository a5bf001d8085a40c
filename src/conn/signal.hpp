// A one-waiter wake-up for coroutines on one executor: a Timer that only
// notify() or the timeout ends. Every wait must re-check its condition, so
// a notify with nobody waiting is harmless. Used by the HTTP/2 and HTTP/3
// drivers (per stream direction and per connection). Two coroutines that
// wait at the same time need two Signals (a second wait would end the
// first): StreamExchange keeps one for the reader and one for the writer.
// The Timer is made on the first wait: most HTTP/2 and HTTP/3 streams never
// wait (a GET has no body to wait for, a small response fits the stream
// buffer), and constructing and destroying two Asio timers per stream
// (a service-registry lookup under a mutex each) was ~1% of the h2 proxy's
// CPU.
#pragma once
#include <chrono>
#include <optional>

#include "conn/timer.hpp"

namespace strata::conn {

class Signal {
 public:
  using Clock = core::Clock;
  Signal(const boost::asio::any_io_executor& ex, const ConnTime& time = {}) : ex_(ex), time_(time) {}
  // True when notified, false when `timeout` passed first.
  boost::asio::awaitable<bool> wait(Clock::duration timeout = Clock::duration::max()) {
    if (timeout == Clock::duration::max()) return timer().wait_until(Clock::time_point::max());
    return timer().wait_until(time_.clock->now() + timeout);
  }
  // True when notified, false when `at` passed first.
  boost::asio::awaitable<bool> wait_until(Clock::time_point at) { return timer().wait_until(at); }
  // Ends a wait in progress; nothing when no one waits (no timer yet: no one has).
  void notify() {
    if (t_) t_->cancel();
  }
  // Whether a wait ever happened (tests).
  bool has_timer() const { return t_.has_value(); }

 private:
  Timer& timer() {
    if (!t_) t_.emplace(ex_, time_);
    return *t_;
  }
  std::optional<Timer> t_;
  boost::asio::any_io_executor ex_;
  ConnTime time_;
};

}  // namespace strata::conn
