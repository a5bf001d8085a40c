#include <gtest/gtest.h>

#include <chrono>
#include <functional>
#include <memory>
#include <vector>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "io/deadlines.hpp"
#include "upstream/pool/watchdog.hpp"

namespace {

using namespace std::chrono_literals;
using strata::io::Deadlines;
using Clock = std::chrono::steady_clock;

struct Probe final : Deadlines::Entry {
  std::function<void(Probe&)> on;
  int fired = 0;
  Clock::time_point at{};
  ~Probe() { Deadlines::cancel(*this); }
  void expire() override {
    ++fired;
    at = Clock::now();
    if (on) on(*this);
  }
};

TEST(Deadlines, ExpireInOrderAndNotBeforeTheirTime) {
  boost::asio::io_context io(1);
  auto& list = Deadlines::of(io.get_executor());
  std::vector<int> order;
  Probe a, b, c;
  a.on = [&](Probe&) { order.push_back(1); };
  b.on = [&](Probe&) { order.push_back(2); };
  c.on = [&](Probe&) { order.push_back(3); };
  const auto t0 = Clock::now();
  list.arm(c, t0 + 60ms);
  list.arm(a, t0 + 20ms);
  list.arm(b, t0 + 40ms);
  EXPECT_EQ(list.size(), 3u);
  io.run_for(2s);
  EXPECT_EQ(order, (std::vector<int>{1, 2, 3}));
  EXPECT_GE(a.at, t0 + 20ms);
  EXPECT_GE(b.at, t0 + 40ms);
  EXPECT_GE(c.at, t0 + 60ms);
  EXPECT_EQ(list.size(), 0u);
  EXPECT_FALSE(a.armed());
}

TEST(Deadlines, CancelledNeverExpires) {
  boost::asio::io_context io(1);
  auto& list = Deadlines::of(io.get_executor());
  Probe a, b;
  list.arm_after(a, 10ms);
  list.arm_after(b, 20ms);
  Deadlines::cancel(a);
  Deadlines::cancel(a);  // twice: a no-op
  EXPECT_FALSE(a.armed());
  EXPECT_TRUE(b.armed());
  io.run_for(1s);
  EXPECT_EQ(a.fired, 0);
  EXPECT_EQ(b.fired, 1);
}

TEST(Deadlines, OneTimerWaitServesManyEntriesOfOneDuration) {
  boost::asio::io_context io(1);
  auto& list = Deadlines::of(io.get_executor());
  std::vector<std::unique_ptr<Probe>> ps;
  for (int i = 0; i < 200; ++i) {
    ps.push_back(std::make_unique<Probe>());
    list.arm_after(*ps.back(), 30ms);
  }
  // Half of them done early (the common case: the exchange finished).
  for (int i = 0; i < 200; i += 2) Deadlines::cancel(*ps[i]);
  EXPECT_EQ(list.timer_waits(), 1u);
  io.run_for(1s);
  int fired = 0;
  for (auto& p : ps) fired += p->fired;
  EXPECT_EQ(fired, 100);
}

TEST(Deadlines, AnEarlierDeadlineCutsTheWaitShort) {
  boost::asio::io_context io(1);
  auto& list = Deadlines::of(io.get_executor());
  Probe late, early;
  const auto t0 = Clock::now();
  list.arm_after(late, 10s);
  list.arm_after(early, 20ms);
  io.run_for(300ms);
  EXPECT_EQ(early.fired, 1);
  EXPECT_GE(early.at, t0 + 20ms);
  EXPECT_EQ(late.fired, 0);
  EXPECT_TRUE(late.armed());
}

TEST(Deadlines, ReArmingFromExpiryAndMovingADeadline) {
  boost::asio::io_context io(1);
  auto& list = Deadlines::of(io.get_executor());
  Probe tick;
  tick.on = [&](Probe& p) {
    if (p.fired < 3) list.arm_after(p, 5ms);
  };
  list.arm_after(tick, 5ms);
  Probe moved;
  list.arm_after(moved, 10s);
  list.arm_after(moved, 10ms);  // re-armed: earlier, still one entry
  EXPECT_EQ(list.size(), 2u);
  io.run_for(1s);
  EXPECT_EQ(tick.fired, 3);
  EXPECT_EQ(moved.fired, 1);
}

TEST(Deadlines, ReArmingLaterFromExpiryDoesNotDelayTheNextEntry) {
  boost::asio::io_context io(1);
  auto& list = Deadlines::of(io.get_executor());
  Probe first, next;
  first.on = [&](Probe& p) { list.arm_after(p, 10s); };  // far away
  const auto t0 = Clock::now();
  list.arm(first, t0 + 10ms);
  list.arm(next, t0 + 60ms);
  io.run_for(1500ms);
  EXPECT_EQ(first.fired, 1);
  EXPECT_EQ(next.fired, 1);  // not 10 s late
  EXPECT_TRUE(first.armed());
}

TEST(Deadlines, NeverMeansNever) {
  boost::asio::io_context io(1);
  auto& list = Deadlines::of(io.get_executor());
  Probe p;
  list.arm_after(p, Clock::duration::max());
  io.run_for(50ms);
  EXPECT_EQ(p.fired, 0);
  EXPECT_TRUE(p.armed());
}

TEST(Deadlines, EntriesMayOutliveTheirContext) {
  Probe p;
  {
    boost::asio::io_context io(1);
    Deadlines::of(io.get_executor()).arm_after(p, 10s);
  }
  EXPECT_FALSE(p.armed());  // the context's shutdown unlinked it
  // A new context (possibly at the old one's address) gets its own list.
  boost::asio::io_context io2(1);
  auto& list = Deadlines::of(io2.get_executor());
  EXPECT_EQ(list.size(), 0u);
  list.arm_after(p, 5ms);
  io2.run_for(1s);
  EXPECT_EQ(p.fired, 1);
}

TEST(Deadlines, EachContextItsOwnList) {
  boost::asio::io_context a(1), b(1);
  EXPECT_EQ(&Deadlines::of(a.get_executor()), &Deadlines::of(a.get_executor()));
  EXPECT_NE(&Deadlines::of(a.get_executor()), &Deadlines::of(b.get_executor()));
}

TEST(Watchdog, FiresOnceUnlessDisarmedAndRetargets) {
  using strata::upstream::pool::Watchdog;
  boost::asio::io_context io(1);
  int first = 0, second = 0, never = 0;
  Watchdog dog(io.get_executor(), 10ms, [&] { ++first; });
  dog.retarget([&] { ++second; });
  Watchdog quiet(io.get_executor(), 10ms, [&] { ++never; });
  quiet.disarm();
  quiet.retarget([&] { ++never; });  // disarmed: stays quiet
  io.run_for(1s);
  EXPECT_TRUE(dog.fired());
  EXPECT_EQ(first, 0);
  EXPECT_EQ(second, 1);
  EXPECT_FALSE(quiet.fired());
  EXPECT_EQ(never, 0);
}

// A coroutine holding an armed Watchdog, destroyed with its io_context
// (shutdown destroys the frame after the list has let go of its entries).
TEST(Watchdog, InAFrameDestroyedWithItsContext) {
  int fired = 0;
  {
    boost::asio::io_context io(1);
    boost::asio::co_spawn(
        io,
        [&fired]() -> boost::asio::awaitable<void> {
          auto ex = co_await boost::asio::this_coro::executor;
          strata::upstream::pool::Watchdog dog(ex, 10s, [&fired] { ++fired; });
          boost::asio::steady_timer t(ex, std::chrono::hours(1));
          co_await t.async_wait(boost::asio::use_awaitable);
        },
        boost::asio::detached);
    io.run_for(20ms);
  }
  EXPECT_EQ(fired, 0);
}

}  // namespace
