// conn::Signal: a one-waiter wake-up with a timeout on the connection's
// clock; its timer is made on the first wait only.
#include <gtest/gtest.h>

#include <optional>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>

#include "conn/signal.hpp"
#include "unit/support/fake_timers.hpp"

namespace strata::conn {
namespace {

namespace asio = boost::asio;
using namespace std::chrono_literals;

struct SignalTest : ::testing::Test {
  asio::io_context io;
  test::FakeTimers timers;
  void settle() {
    io.restart();  // poll() ran out of work before: the context stopped
    for (int i = 0; i < 100 && io.poll() > 0; ++i) {
    }
  }
  void start_wait(Signal& s, std::optional<bool>& out, Signal::Clock::duration timeout) {
    asio::co_spawn(io, [&s, &out, timeout]() -> asio::awaitable<void> { out = co_await s.wait(timeout); },
                   asio::detached);
  }
};

TEST_F(SignalTest, NotifyWithNobodyWaitingMakesNoTimerAndIsHarmless) {
  Signal s(io.get_executor(), timers.time);
  s.notify();
  s.notify();
  EXPECT_FALSE(s.has_timer());
  std::optional<bool> got;
  start_wait(s, got, 10s);  // an earlier notify does not end a later wait
  settle();
  EXPECT_TRUE(s.has_timer());
  EXPECT_FALSE(got.has_value());
  s.notify();
  settle();
  ASSERT_TRUE(got.has_value());
  EXPECT_TRUE(*got);
}

TEST_F(SignalTest, TimeoutOnTheFakeClockEndsTheWaitWithFalse) {
  Signal s(io.get_executor(), timers.time);
  std::optional<bool> got;
  start_wait(s, got, 5s);
  settle();
  EXPECT_EQ(timers.armed(), 1u);
  timers.advance(4s);
  settle();
  EXPECT_FALSE(got.has_value());
  timers.advance(2s);
  settle();
  ASSERT_TRUE(got.has_value());
  EXPECT_FALSE(*got);
  // The timer is reused by the next wait, which a notify ends.
  got.reset();
  start_wait(s, got, Signal::Clock::duration::max());
  settle();
  EXPECT_EQ(timers.armed(), 0u);  // no deadline
  s.notify();
  settle();
  ASSERT_TRUE(got.has_value());
  EXPECT_TRUE(*got);
}

TEST_F(SignalTest, RealClockTimeout) {
  Signal s(io.get_executor());  // ConnTime{}: the steady clock
  std::optional<bool> got;
  start_wait(s, got, 20ms);
  io.run_for(2s);  // ends when the wait ended (nothing else queued)
  ASSERT_TRUE(got.has_value());
  EXPECT_FALSE(*got);
}

}  // namespace
}  // namespace strata::conn
