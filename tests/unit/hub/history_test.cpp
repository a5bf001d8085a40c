#include <gtest/gtest.h>

#include "core/clock.hpp"
#include "hub/history.hpp"
#include "hub/push_build.hpp"

using namespace strata;
using namespace std::chrono_literals;

namespace {

struct Stream {
  explicit Stream(std::uint32_t size, std::chrono::milliseconds ttl = 0ms, bool latest = false) : h("E") {
    h.configure(size, ttl, latest);
  }
  void publish(int n) {
    for (int i = 0; i < n; ++i)
      h.append(hub::make_publication("c", h.next_offset(), h.epoch(), "1", 0, false), clock.now());
  }
  std::vector<std::uint64_t> recover(std::uint64_t since, std::string epoch, bool& ok) {
    std::vector<hub::PushPtr> out;
    ok = h.recover(hub::Position{since, std::move(epoch)}, clock.now(), out);
    std::vector<std::uint64_t> offs;
    for (auto& p : out) offs.push_back(p->offset);
    return offs;
  }
  core::FakeClock clock;
  hub::History h;
};

}  // namespace

TEST(HubHistory, ExactRecovery) {
  Stream s(10);
  s.publish(5);
  EXPECT_EQ(s.h.position(), (hub::Position{5, "E"}));
  bool ok = false;
  EXPECT_EQ(s.recover(2, "E", ok), (std::vector<std::uint64_t>{3, 4, 5}));
  EXPECT_TRUE(ok);
  EXPECT_TRUE(s.recover(5, "E", ok).empty());
  EXPECT_TRUE(ok);
  EXPECT_EQ(s.recover(0, "E", ok), (std::vector<std::uint64_t>{1, 2, 3, 4, 5}));
  EXPECT_TRUE(ok);
}

TEST(HubHistory, EpochMismatchAndFutureOffsetNotRecovered) {
  Stream s(10);
  s.publish(3);
  bool ok = true;
  EXPECT_TRUE(s.recover(1, "other", ok).empty());
  EXPECT_FALSE(ok);
  EXPECT_TRUE(s.recover(4, "E", ok).empty());
  EXPECT_FALSE(ok);
}

TEST(HubHistory, GapBeyondHistoryReplaysNothing) {
  Stream s(3);
  s.publish(10);  // keeps 8, 9, 10
  EXPECT_EQ(s.h.size(), 3u);
  bool ok = true;
  EXPECT_TRUE(s.recover(6, "E", ok).empty());  // 7 was evicted: no partial replay
  EXPECT_FALSE(ok);
  EXPECT_EQ(s.recover(7, "E", ok), (std::vector<std::uint64_t>{8, 9, 10}));
  EXPECT_TRUE(ok);
}

TEST(HubHistory, NoHistoryRecoversOnlyTheCurrentPosition) {
  Stream s(0);
  s.publish(4);
  EXPECT_FALSE(s.h.enabled());
  EXPECT_EQ(s.h.size(), 0u);
  bool ok = false;
  EXPECT_TRUE(s.recover(4, "E", ok).empty());
  EXPECT_TRUE(ok);
  EXPECT_TRUE(s.recover(3, "E", ok).empty());
  EXPECT_FALSE(ok);
}

TEST(HubHistory, LatestOnlyKeepsOne) {
  Stream s(100, 0ms, true);
  s.publish(5);
  EXPECT_EQ(s.h.size(), 1u);
  bool ok = false;
  EXPECT_EQ(s.recover(4, "E", ok), (std::vector<std::uint64_t>{5}));
  EXPECT_TRUE(ok);
  EXPECT_TRUE(s.recover(3, "E", ok).empty());
  EXPECT_FALSE(ok);
  auto r = s.h.read(std::nullopt, 0, s.clock.now());
  ASSERT_EQ(r.publications.size(), 1u);
  EXPECT_EQ(r.publications[0]->offset, 5u);
}

TEST(HubHistory, TtlExpiresEntriesWithFakeClock) {
  Stream s(10, 1000ms);
  s.publish(2);            // at t0
  s.clock.advance(600ms);
  s.publish(2);            // 3, 4 at t0+600
  s.clock.advance(500ms);  // 1, 2 are 1100 ms old
  bool ok = true;
  EXPECT_TRUE(s.recover(1, "E", ok).empty());
  EXPECT_FALSE(ok);
  EXPECT_EQ(s.recover(2, "E", ok), (std::vector<std::uint64_t>{3, 4}));
  EXPECT_TRUE(ok);
  s.clock.advance(500ms);
  s.h.prune(s.clock.now());
  EXPECT_TRUE(s.h.empty());
  EXPECT_EQ(s.h.offset(), 4u);  // offsets go on within the same object
}

TEST(HubHistory, ReadWithLimitAndSince) {
  Stream s(10);
  s.publish(6);
  auto r = s.h.read(std::nullopt, 2, s.clock.now());
  ASSERT_EQ(r.publications.size(), 2u);
  EXPECT_EQ(r.publications[0]->offset, 5u);
  EXPECT_EQ(r.publications[1]->offset, 6u);
  r = s.h.read(hub::Position{1, "E"}, 3, s.clock.now());
  EXPECT_TRUE(r.recovered);
  ASSERT_EQ(r.publications.size(), 3u);
  EXPECT_EQ(r.publications[0]->offset, 2u);
  r = s.h.read(hub::Position{1, "X"}, 3, s.clock.now());
  EXPECT_FALSE(r.recovered);
  EXPECT_TRUE(r.publications.empty());
  EXPECT_EQ(r.position, (hub::Position{6, "E"}));
}
