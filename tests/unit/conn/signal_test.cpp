// conn::Signal with several waiters (a full-duplex exchange: a body reader
// and a response writer wait at once): notify() wakes all of them, each
// waiter's own timeout holds, and waiters do not wake each other up.
#include "conn/signal.hpp"

#include <gtest/gtest.h>

#include <optional>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>

namespace asio = boost::asio;
using namespace std::chrono_literals;
using strata::conn::Signal;

TEST(Signal, NotifyWakesEveryWaiter) {
  asio::io_context io;
  Signal sig(io.get_executor());
  std::optional<bool> a, b;
  asio::co_spawn(io, [&]() -> asio::awaitable<void> { a = co_await sig.wait(); }, asio::detached);
  asio::co_spawn(io, [&]() -> asio::awaitable<void> { b = co_await sig.wait(10s); }, asio::detached);
  io.poll();
  EXPECT_FALSE(a || b);  // the second wait did not wake the first
  sig.notify();
  io.run_for(1s);
  ASSERT_TRUE(a && b);
  EXPECT_TRUE(*a);
  EXPECT_TRUE(*b);
}

TEST(Signal, EachWaiterKeepsItsOwnTimeout) {
  asio::io_context io;
  Signal sig(io.get_executor());
  std::optional<bool> forever, short_one, long_one;
  asio::co_spawn(io, [&]() -> asio::awaitable<void> { forever = co_await sig.wait(); },
                 asio::detached);
  asio::co_spawn(io, [&]() -> asio::awaitable<void> { long_one = co_await sig.wait(5s); },
                 asio::detached);
  asio::co_spawn(io, [&]() -> asio::awaitable<void> { short_one = co_await sig.wait(20ms); },
                 asio::detached);
  io.run_for(300ms);
  ASSERT_TRUE(short_one.has_value());
  EXPECT_FALSE(*short_one);               // timed out
  EXPECT_FALSE(forever.has_value());      // still waiting: the short timeout was not theirs
  EXPECT_FALSE(long_one.has_value());
  sig.notify();
  io.run_for(1s);
  ASSERT_TRUE(forever && long_one);
  EXPECT_TRUE(*forever);
  EXPECT_TRUE(*long_one);
}

TEST(Signal, NotifyBeforeWaitIsNotRemembered) {
  asio::io_context io;
  Signal sig(io.get_executor());
  sig.notify();
  std::optional<bool> r;
  asio::co_spawn(io, [&]() -> asio::awaitable<void> { r = co_await sig.wait(30ms); },
                 asio::detached);
  io.run_for(1s);
  ASSERT_TRUE(r.has_value());
  EXPECT_FALSE(*r);
}
