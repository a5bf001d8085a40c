#include "core/loop_clock.hpp"

#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <thread>

namespace strata::core {
namespace {

using namespace std::chrono_literals;

// A thread that never waited in epoll reads the steady clock every time.
TEST(LoopClock, OffTheLoopItIsTheSteadyClock) {
  std::thread t([] {
    ASSERT_EQ(loop_turn::turns(), 0u);
    const auto a = LoopClock::steady();
    std::this_thread::sleep_for(2ms);
    const auto b = LoopClock::steady();
    EXPECT_GE(b - a, 2ms);
    const auto w = LoopClock::wall();
    EXPECT_LE(std::chrono::abs(std::chrono::system_clock::now() - w), 1s);
  });
  t.join();
}

// Inside one turn every read gives the first one's time; a turn after a
// wait gives a later one. With the wrapper off (sanitizer builds) each read
// is the steady clock, which never goes back either.
TEST(LoopClock, OneReadingPerTurnOfTheLoop) {
  std::thread t([] {
    boost::asio::io_context io(1);
    boost::asio::steady_timer timer(io);
    Clock::time_point in_first_a{}, in_first_b{}, in_second{};
    std::uint64_t turn_first = 0, turn_second = 0;
    timer.expires_after(1ms);
    timer.async_wait([&](auto) {
      turn_first = loop_turn::turns();
      in_first_a = LoopClock::steady();
      std::this_thread::sleep_for(3ms);  // CPU time inside the turn
      in_first_b = LoopClock::steady();
      timer.expires_after(2ms);
      timer.async_wait([&](auto) {
        turn_second = loop_turn::turns();
        in_second = LoopClock::steady();
      });
    });
    io.run();
    if (loop_turn::enabled()) {
      EXPECT_GT(turn_first, 0u);
      EXPECT_GT(turn_second, turn_first);
      EXPECT_EQ(in_first_a, in_first_b);  // same turn: one reading
      EXPECT_GE(in_second - in_first_a, 5ms);
    } else {
      EXPECT_GE(in_first_b - in_first_a, 3ms);
      EXPECT_GE(in_second - in_first_b, 2ms);
    }
    // Still the steady clock's time base (deadlines mix the two).
    EXPECT_LE(std::chrono::abs(std::chrono::steady_clock::now() - in_second), 1s);
    // After the loop returned the turn is over: real time again.
    const auto a = LoopClock::steady();
    std::this_thread::sleep_for(2ms);
    EXPECT_GE(LoopClock::steady() - a, 2ms);
    EXPECT_GE(a, in_second);
  });
  t.join();
}

}  // namespace
}  // namespace strata::core
