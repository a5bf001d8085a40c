// A one-waiter wake-up for coroutines on one executor: a steady_timer that
// only notify() (cancel) or the timeout ends. Every wait must re-check its
// condition, so a notify with nobody waiting is harmless. Used by the
// HTTP/2 and HTTP/3 drivers (per stream and per connection).
#pragma once
#include <chrono>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

namespace strata::conn {

class Signal {
 public:
  using Clock = std::chrono::steady_clock;
  explicit Signal(const boost::asio::any_io_executor& ex) : t_(ex) {}
  // True when notified, false when `timeout` passed first.
  boost::asio::awaitable<bool> wait(Clock::duration timeout = Clock::duration::max()) {
    if (timeout == Clock::duration::max())
      t_.expires_at(Clock::time_point::max());
    else
      t_.expires_after(timeout);
    auto [ec] = co_await t_.async_wait(boost::asio::as_tuple(boost::asio::use_awaitable));
    co_return ec == boost::asio::error::operation_aborted;
  }
  void notify() { t_.cancel(); }

 private:
  boost::asio::steady_timer t_;
};

}  // namespace strata::conn
