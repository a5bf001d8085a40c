#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>

#include "core/clock.hpp"
#include "hub/timer_wheel.hpp"

using namespace strata;
using namespace std::chrono_literals;

namespace {
struct Counter {
  int fired = 0;
  hub::WheelNode node{[](void* a) { ++static_cast<Counter*>(a)->fired; }, this};
};
}  // namespace

TEST(HubTimerWheel, FiresAtDeadlineRoundedToTick) {
  boost::asio::io_context io;
  core::FakeClock clock;
  hub::TimerWheel w(io.get_executor(), &clock, 100ms, 8);
  Counter a;
  w.schedule(a.node, 250ms);  // 3 ticks
  EXPECT_TRUE(a.node.scheduled());
  EXPECT_EQ(w.size(), 1u);
  clock.advance(200ms);
  EXPECT_EQ(w.poll(), 0u);
  clock.advance(100ms);
  EXPECT_EQ(w.poll(), 1u);
  EXPECT_EQ(a.fired, 1);
  EXPECT_FALSE(a.node.scheduled());
  EXPECT_EQ(w.size(), 0u);
  clock.advance(1s);
  EXPECT_EQ(w.poll(), 0u);
}

TEST(HubTimerWheel, LongerThanOneRevolution) {
  boost::asio::io_context io;
  core::FakeClock clock;
  hub::TimerWheel w(io.get_executor(), &clock, 100ms, 8);  // 800 ms per revolution
  Counter a;
  w.schedule(a.node, 2500ms);
  for (int i = 0; i < 24; ++i) {
    clock.advance(100ms);
    w.poll();
  }
  EXPECT_EQ(a.fired, 0);
  clock.advance(100ms);
  w.poll();
  EXPECT_EQ(a.fired, 1);
}

TEST(HubTimerWheel, CancelRescheduleAndDestroy) {
  boost::asio::io_context io;
  core::FakeClock clock;
  hub::TimerWheel w(io.get_executor(), &clock, 100ms, 16);
  Counter a, b;
  w.schedule(a.node, 100ms);
  w.schedule(b.node, 100ms);
  w.cancel(a.node);
  w.schedule(b.node, 500ms);  // moved later
  {
    Counter c;
    w.schedule(c.node, 100ms);
    EXPECT_EQ(w.size(), 2u);
  }  // destroyed while scheduled
  EXPECT_EQ(w.size(), 1u);
  clock.advance(300ms);
  w.poll();
  EXPECT_EQ(a.fired, 0);
  EXPECT_EQ(b.fired, 0);
  clock.advance(300ms);
  w.poll();
  EXPECT_EQ(b.fired, 1);
}

TEST(HubTimerWheel, CallbackMayRescheduleItselfAndCancelOthers) {
  boost::asio::io_context io;
  core::FakeClock clock;
  hub::TimerWheel w(io.get_executor(), &clock, 100ms, 16);
  struct Beat {
    hub::TimerWheel* w;
    hub::WheelNode* victim = nullptr;
    int fired = 0;
    hub::WheelNode node{[](void* a) {
                          auto* self = static_cast<Beat*>(a);
                          ++self->fired;
                          if (self->victim) self->w->cancel(*self->victim);
                          self->w->schedule(self->node, 1s);
                        },
                        this};
  };
  Beat beat{&w};
  Counter other;
  beat.victim = &other.node;
  w.schedule(beat.node, 1s);
  w.schedule(other.node, 1s);  // same slot, after beat
  for (int i = 0; i < 35; ++i) {
    clock.advance(100ms);
    w.poll();
  }
  EXPECT_EQ(beat.fired, 3);
  EXPECT_EQ(other.fired, 0);
}

TEST(HubTimerWheel, ManyNodesConstantWork) {
  boost::asio::io_context io;
  core::FakeClock clock;
  hub::TimerWheel w(io.get_executor(), &clock, 100ms, 512);
  constexpr std::size_t n = 10000;
  auto cs = std::make_unique<Counter[]>(n);
  for (std::size_t i = 0; i < n; ++i) w.schedule(cs[i].node, std::chrono::milliseconds(100 * (1 + i % 250)));
  EXPECT_EQ(w.size(), n);
  clock.advance(25s);
  EXPECT_EQ(w.poll(), n);
  for (std::size_t i = 0; i < n; ++i) EXPECT_EQ(cs[i].fired, 1);
}

TEST(HubTimerWheel, RealTimerDrivesPoll) {
  boost::asio::io_context io;
  hub::TimerWheel w(io.get_executor(), nullptr, 5ms, 16);
  Counter a;
  w.schedule(a.node, 10ms);
  for (int i = 0; i < 200 && !a.fired; ++i) io.run_for(10ms);
  EXPECT_EQ(a.fired, 1);
}
