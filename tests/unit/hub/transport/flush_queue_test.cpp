// The per-worker write drain of the h1 WebSocket fast path
// (hub/transport/flush_queue.cpp): FIFO order, slices that yield to the
// event loop, re-listing during a drain, one strata_hub_fanout_seconds
// observation per generation (what was listed before a drain's first step).
#include "hub/transport/flush_queue.hpp"

#include <gtest/gtest.h>

#include <boost/asio/post.hpp>

#include "hub/hub_metrics.hpp"

using namespace strata::hub;
using namespace strata::hub::transport;

namespace {

struct Log {
  std::vector<int> order;
};

class Target final {
 public:
  Target(Log& log, int id) : log_(log), id_(id) {}
  void flush_now() {
    log_.order.push_back(id_);
    if (again && again_q) {
      auto q = again_q;
      again_q = nullptr;
      q->add(self.lock(), 1000);
    }
  }
  bool again = false;
  FlushQueue* again_q = nullptr;
  std::weak_ptr<Target> self;

 private:
  Log& log_;
  int id_;
};

}  // namespace

TEST(FlushQueue, WritesInOrderInSlicesThatYieldToTheLoop) {
  boost::asio::io_context io;
  FlushQueue& q = FlushQueue::of(io);
  EXPECT_EQ(&q, &FlushQueue::of(io));
  Log log;
  const auto cycles_before = HubMetrics::get().fanout.count();
  std::vector<std::shared_ptr<Target>> ts;
  for (int i = 0; i < 1200; ++i) {
    ts.push_back(std::make_shared<Target>(log, i));
    q.add(ts.back(), 500);
  }
  EXPECT_EQ(q.pending(), 1200u);
  // A handler posted after the fan-out started (a socket read, the next
  // publish) runs after the first slice, not after all 1200 writes.
  std::size_t seen_by_other = 0;
  boost::asio::post(io, [&] { seen_by_other = log.order.size(); });
  io.run();
  ASSERT_EQ(log.order.size(), 1200u);
  for (int i = 0; i < 1200; ++i) ASSERT_EQ(log.order[std::size_t(i)], i);
  EXPECT_EQ(seen_by_other, 500u);
  EXPECT_EQ(q.steps(), 3u);  // 500 + 500 + 200
  EXPECT_EQ(q.cycles(), 1u);
  EXPECT_EQ(q.pending(), 0u);
  EXPECT_EQ(HubMetrics::get().fanout.count(), cycles_before + 1);
  // The queue holds no reference once written.
  for (auto& t : ts) EXPECT_EQ(t.use_count(), 1);
}

TEST(FlushQueue, ReListedDuringTheDrainGoesToTheBackOfTheSameCycle) {
  boost::asio::io_context io;
  FlushQueue& q = FlushQueue::of(io);
  Log log;
  auto a = std::make_shared<Target>(log, 1);
  auto b = std::make_shared<Target>(log, 2);
  a->self = a;
  a->again = true;
  a->again_q = &q;
  q.add(a, 1000);
  q.add(b, 1000);
  io.run();
  EXPECT_EQ(log.order, (std::vector<int>{1, 2, 1}));
  EXPECT_EQ(q.cycles(), 2u);  // the re-listed one is the next generation
  EXPECT_EQ(q.steps(), 2u);   // and waits for the next step
}

TEST(FlushQueue, ABatchListedDuringAFanOutIsTimedAsItsOwnGeneration) {
  boost::asio::io_context io;
  FlushQueue& q = FlushQueue::of(io);
  Log log;
  const auto before = HubMetrics::get().fanout.count();
  std::vector<std::shared_ptr<Target>> ts;
  for (int i = 0; i < 1000; ++i) {
    ts.push_back(std::make_shared<Target>(log, i));
    q.add(ts.back(), 100);
  }
  // The next publish request is read after the first slice; its pushes
  // list 50 more connections.
  boost::asio::post(io, [&] {
    EXPECT_EQ(log.order.size(), 100u);
    for (int i = 1000; i < 1050; ++i) {
      ts.push_back(std::make_shared<Target>(log, i));
      q.add(ts.back(), 100);
    }
  });
  io.run();
  ASSERT_EQ(log.order.size(), 1050u);
  for (int i = 0; i < 1050; ++i) ASSERT_EQ(log.order[std::size_t(i)], i);
  EXPECT_EQ(q.cycles(), 2u);
  EXPECT_EQ(q.steps(), 11u);
  EXPECT_EQ(HubMetrics::get().fanout.count(), before + 2);
}

TEST(FlushQueue, SeparateCyclesAreTimedSeparately) {
  boost::asio::io_context io;
  FlushQueue& q = FlushQueue::of(io);
  Log log;
  const auto before = HubMetrics::get().fanout.count();
  auto a = std::make_shared<Target>(log, 1);
  q.add(a, 0);  // slice 0 is taken as 1
  io.run();
  io.restart();
  q.add(a, 1);
  io.run();
  EXPECT_EQ(q.cycles(), 2u);
  EXPECT_EQ(HubMetrics::get().fanout.count(), before + 2);
}

TEST(FlushQueue, DestroyedWithTheIoContextWhileListed) {
  Log log;
  auto a = std::make_shared<Target>(log, 1);
  {
    boost::asio::io_context io;
    FlushQueue::of(io).add(a, 10);
    EXPECT_EQ(a.use_count(), 2);
  }
  EXPECT_EQ(a.use_count(), 1);  // released, never written
  EXPECT_TRUE(log.order.empty());
}
