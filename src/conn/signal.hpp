// A wake-up for coroutines on one executor: a steady_timer that notify()
// (cancel) or a waiter's timeout ends. Every wait must re-check its
// condition, so a notify with nobody waiting is harmless. Several
// coroutines may wait at once (a full-duplex exchange: one reads the
// request body while another writes the response); notify() wakes them
// all, and each waiter's own timeout holds although they share the timer
// (a waiter that re-arms the timer for an earlier deadline makes the
// others re-wait, not return). Used by the HTTP/2 and HTTP/3 drivers (per
// stream and per connection).
#pragma once
#include <chrono>
#include <cstdint>

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
    const auto deadline =
        timeout == Clock::duration::max() ? Clock::time_point::max() : Clock::now() + timeout;
    const std::uint64_t gen = gen_;
    for (;;) {
      // Re-arming cancels the other waiters' waits: they see no notify and
      // wait again below (the earliest deadline stays armed).
      if (waiters_ == 0 || deadline < t_.expiry()) t_.expires_at(deadline);
      ++waiters_;
      (void)co_await t_.async_wait(boost::asio::as_tuple(boost::asio::use_awaitable));
      --waiters_;
      if (gen_ != gen) co_return true;
      if (Clock::now() >= deadline) co_return false;
    }
  }
  void notify() {
    ++gen_;
    t_.cancel();
  }

 private:
  boost::asio::steady_timer t_;
  std::uint64_t gen_ = 0;
  int waiters_ = 0;
};

}  // namespace strata::conn
