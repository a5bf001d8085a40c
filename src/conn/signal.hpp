// A one-waiter wake-up for coroutines on one executor: a Timer that only
// notify() or the timeout ends. Every wait must re-check its condition, so
// a notify with nobody waiting is harmless. Used by the HTTP/2 and HTTP/3
// drivers (per stream direction and per connection). Two coroutines that
// wait at the same time need two Signals (a second wait would end the
// first): StreamExchange keeps one for the reader and one for the writer.
#pragma once
#include <chrono>

#include "conn/timer.hpp"

namespace strata::conn {

class Signal {
 public:
  using Clock = core::Clock;
  Signal(const boost::asio::any_io_executor& ex, const ConnTime& time = {})
      : t_(ex, time), clock_(time.clock) {}
  // True when notified, false when `timeout` passed first.
  boost::asio::awaitable<bool> wait(Clock::duration timeout = Clock::duration::max()) {
    if (timeout == Clock::duration::max()) co_return co_await t_.wait_until(Clock::time_point::max());
    co_return co_await t_.wait_until(clock_->now() + timeout);
  }
  // True when notified, false when `at` passed first.
  boost::asio::awaitable<bool> wait_until(Clock::time_point at) { return t_.wait_until(at); }
  void notify() { t_.cancel(); }

 private:
  Timer t_;
  const core::Clock* clock_;
};

}  // namespace strata::conn
