// Time for the connection drivers: a clock and a timer whose expiries can
// be driven by a test (item 7 of issue 10).
//
// Production: ConnTime{} (the steady clock, no queue); a Timer is then one
// asio::steady_timer, armed at the deadline, with no allocation and no
// virtual call per wait beyond Clock::now().
// Tests: a ConnTime with a core::FakeClock and a TimerQueue (see
// tests/unit/support/fake_timers.hpp): the steady_timer only serves as the
// wake-up; the queue fires expire() when the test advances the fake clock,
// so timeouts are tested without sleeping.
// Thread: a Timer is used on one executor; a TimerQueue on the same thread.
#pragma once
#include <chrono>

#include "core/loop_clock.hpp"
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "core/clock.hpp"

namespace strata::conn {

class Timer;

// Fires Timers at times of an injected clock. Implemented by tests only.
class TimerQueue {
 public:
  virtual ~TimerQueue() = default;
  // `t` waits until `at` (clock time): call t.expire() once the clock has
  // reached it. A Timer is armed at most once at a time.
  virtual void arm(Timer& t, core::Clock::time_point at) = 0;
  virtual void disarm(Timer& t) = 0;
};

// What a connection uses for time. Default: real time.
struct ConnTime {
  const core::Clock* clock = &core::LoopClock::instance();
  TimerQueue* queue = nullptr;  // null: deadlines are real steady_timer expiries
  // An idle HTTP/1.1 keep-alive connection parks (conn/http1_connection.hpp)
  // once it has waited this long for its next request (real time, checked
  // by conn/http1_park_sweeper.hpp); 0: parks at once (fake-clock tests).
  std::chrono::milliseconds park_after{100};
  core::Clock::time_point now() const { return clock->now(); }
};

// A cancellable wait until a deadline. One waiter at a time.
class Timer {
 public:
  using time_point = core::Clock::time_point;
  Timer(const boost::asio::any_io_executor& ex, const ConnTime& time)
      : t_(ex), queue_(time.queue), clock_(time.clock) {}
  ~Timer() {
    if (armed_) queue_->disarm(*this);
  }
  Timer(const Timer&) = delete;
  Timer& operator=(const Timer&) = delete;

  // Waits until `at` (time_point::max(): no deadline) or cancel(). True
  // when cancel() ended the wait, false when the deadline passed.
  boost::asio::awaitable<bool> wait_until(time_point at) {
    if (!queue_) {
      t_.expires_at(at);
      auto [ec] = co_await t_.async_wait(boost::asio::as_tuple(boost::asio::use_awaitable));
      co_return ec == boost::asio::error::operation_aborted;
    }
    if (at <= clock_->now()) co_return false;
    expired_ = false;
    t_.expires_at(time_point::max());
    if (at != time_point::max()) {
      armed_ = true;
      queue_->arm(*this, at);
    }
    (void)co_await t_.async_wait(boost::asio::as_tuple(boost::asio::use_awaitable));
    if (armed_) {
      armed_ = false;
      queue_->disarm(*this);
    }
    co_return !expired_;
  }
  // The same wait with a completion handler instead of a coroutine (no
  // frame): `f(bool cancelled)` runs on the timer's executor, true when
  // cancel() ended the wait, false when the deadline passed.
  template <class F>
  void async_wait_until(time_point at, F f) {
    if (!queue_) {
      t_.expires_at(at);
      t_.async_wait([f = std::move(f)](boost::system::error_code ec) mutable {
        f(ec == boost::asio::error::operation_aborted);
      });
      return;
    }
    expired_ = false;
    t_.expires_at(time_point::max());
    if (at <= clock_->now()) {
      expired_ = true;
      t_.expires_at(time_point::min());  // completes at once
    } else if (at != time_point::max()) {
      armed_ = true;
      queue_->arm(*this, at);
    }
    t_.async_wait([this, f = std::move(f)](boost::system::error_code) mutable {
      if (armed_) {
        armed_ = false;
        queue_->disarm(*this);
      }
      f(!expired_);
    });
  }
  // Ends the current wait (if any) with true.
  void cancel() { t_.cancel(); }
  // Called by the TimerQueue: ends the current wait with false.
  void expire() {
    expired_ = true;
    t_.cancel();
  }

 private:
  boost::asio::steady_timer t_;
  TimerQueue* queue_;
  const core::Clock* clock_;
  bool armed_ = false;
  bool expired_ = false;
};

}  // namespace strata::conn
