#include <gtest/gtest.h>
#include <sys/uio.h>

#include "hub/hub_metrics.hpp"
#include "hub/out_queue.hpp"
#include "hub/push_build.hpp"

using namespace strata;
using R = hub::OutQueue::Result;

namespace {
hub::PushPtr pub(std::uint64_t off, std::size_t size) {
  return hub::make_publication("c", off, "e", "\"" + std::string(size, 'x') + "\"", 0, false);
}
std::string drain(hub::OutQueue& q) {
  std::string out;
  iovec iov[16];
  while (!q.empty()) {
    std::size_t n = q.gather(iov, 16);
    std::size_t total = 0;
    for (std::size_t i = 0; i < n; ++i) {
      out.append(static_cast<const char*>(iov[i].iov_base), iov[i].iov_len);
      total += iov[i].iov_len;
    }
    q.consume(total);
  }
  return out;
}
}  // namespace

TEST(HubOutQueue, QueuesViewsAndOwnedBytesInOrder) {
  hub::OutQueue q(1 << 20);
  EXPECT_TRUE(q.empty());
  auto a = pub(1, 10), b = pub(2, 10);
  EXPECT_EQ(q.push(a, a->ws_frame, false), R::ok);
  q.push_owned("PING");
  EXPECT_EQ(q.push(b, b->sse_event, false), R::ok);
  EXPECT_EQ(q.items(), 3u);
  EXPECT_EQ(q.bytes(), a->ws_frame.size() + 4 + b->sse_event.size());
  EXPECT_EQ(drain(q), a->ws_frame + "PING" + b->sse_event);
  EXPECT_EQ(q.bytes(), 0u);
}

TEST(HubOutQueue, PartialWritesKeepOffsets) {
  hub::OutQueue q(1 << 20);
  q.push_owned("hello");
  q.push_owned("world");
  q.consume(3);
  EXPECT_EQ(q.front(), "lo");
  q.consume(4);
  EXPECT_EQ(q.front(), "rld");
  EXPECT_EQ(q.bytes(), 3u);
  q.consume(3);
  EXPECT_TRUE(q.empty());
  EXPECT_EQ(q.front(), "");
}

TEST(HubOutQueue, FullQueueDisconnectsSlowConsumer) {
  auto before = hub::HubMetrics::get().slow_consumers.value();
  auto p = pub(1, 100);
  hub::OutQueue q(3 * p->ws_frame.size());
  for (int i = 0; i < 3; ++i) EXPECT_EQ(q.push(p, p->ws_frame, false), R::ok);
  EXPECT_EQ(q.push(p, p->ws_frame, false), R::disconnect);
  EXPECT_EQ(q.items(), 3u);  // nothing queued on refusal
  EXPECT_EQ(hub::HubMetrics::get().slow_consumers.value(), before + 1);
}

TEST(HubOutQueue, SkipToLatestDropsQueuedPushesButNotStartedOrOwned) {
  auto drops = hub::HubMetrics::get().drops.value();
  auto p1 = pub(1, 100), p2 = pub(2, 100), p3 = pub(3, 100), p4 = pub(4, 100);
  std::size_t f = p1->ws_frame.size();
  hub::OutQueue q(3 * f + 2);
  EXPECT_EQ(q.push(p1, p1->ws_frame, true), R::ok);
  q.push_owned("RE");
  EXPECT_EQ(q.push(p2, p2->ws_frame, true), R::ok);
  EXPECT_EQ(q.push(p3, p3->ws_frame, true), R::ok);
  q.consume(5);  // p1 started
  EXPECT_EQ(q.push(p4, p4->ws_frame, true), R::skipped_to_latest);
  EXPECT_EQ(hub::HubMetrics::get().drops.value(), drops + 2);  // p2, p3
  EXPECT_EQ(drain(q), p1->ws_frame.substr(5) + "RE" + p4->ws_frame);
}

TEST(HubOutQueue, ReleasesCapacityAfterBurst) {
  hub::OutQueue q(1 << 20);
  auto p = pub(1, 1);
  for (int i = 0; i < 100; ++i) q.push(p, p->ws_frame, false);
  drain(q);
  EXPECT_TRUE(q.empty());
  EXPECT_EQ(q.items(), 0u);
  // Long-running queue: head compaction keeps it bounded.
  for (int i = 0; i < 1000; ++i) {
    q.push(p, p->ws_frame, false);
    q.consume(p->ws_frame.size());
  }
  EXPECT_TRUE(q.empty());
}
