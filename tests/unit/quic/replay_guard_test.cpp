#include "quic/replay_guard.hpp"

#include <gtest/gtest.h>

#include <set>
#include <atomic>
#include <string>
#include <thread>
#include <vector>

using namespace std::chrono_literals;
using strata::core::FakeClock;
using strata::quic::ReplayGuard;
using V = strata::quic::ReplayGuard::Verdict;

TEST(QuicReplayGuard, FreshThenReplay) {
  FakeClock clock;
  ReplayGuard g(16, 10s, clock);
  EXPECT_EQ(g.check(42), V::fresh);
  EXPECT_EQ(g.check(42), V::replay);
  clock.advance(9s);
  EXPECT_EQ(g.check(42), V::replay);
  EXPECT_EQ(g.check(43), V::fresh);
  EXPECT_EQ(g.size(), 2u);
}

TEST(QuicReplayGuard, FreshAgainAfterWindow) {
  FakeClock clock;
  ReplayGuard g(16, 10s, clock);
  EXPECT_EQ(g.check(1), V::fresh);
  clock.advance(10s);
  EXPECT_EQ(g.size(), 0u);
  EXPECT_EQ(g.check(1), V::fresh);
  EXPECT_EQ(g.check(1), V::replay);
  EXPECT_EQ(g.size(), 1u);
}

TEST(QuicReplayGuard, FullFailsClosedUntilEntriesExpire) {
  FakeClock clock;
  ReplayGuard g(3, 10s, clock);
  EXPECT_EQ(g.check(1), V::fresh);
  clock.advance(4s);
  EXPECT_EQ(g.check(2), V::fresh);
  EXPECT_EQ(g.check(3), V::fresh);
  EXPECT_EQ(g.check(4), V::full);
  EXPECT_EQ(g.check(2), V::replay);  // known keys still answer replay when full
  EXPECT_EQ(g.size(), 3u);
  clock.advance(6s);  // key 1 expires, 2 and 3 live
  EXPECT_EQ(g.check(4), V::fresh);
  EXPECT_EQ(g.check(5), V::full);
  EXPECT_EQ(g.check(1), V::full);  // 1 expired: not a replay, but no room
  clock.advance(10s);
  EXPECT_EQ(g.size(), 0u);
  EXPECT_EQ(g.check(5), V::fresh);
}

TEST(QuicReplayGuard, ZeroCapacityAlwaysFull) {
  FakeClock clock;
  ReplayGuard g(0, 10s, clock);
  EXPECT_EQ(g.check(1), V::full);
}

TEST(QuicReplayGuard, SizeStaysBoundedUnderChurn) {
  FakeClock clock;
  ReplayGuard g(100, 1s, clock);
  std::size_t full = 0;
  for (std::uint64_t i = 0; i < 10000; ++i) {
    if (g.check(i) == V::full) ++full;
    ASSERT_LE(g.size(), 100u);
    clock.advance(5ms);  // 200 arrivals per window against 100 slots
  }
  EXPECT_GT(full, 0u);
  EXPECT_LT(full, 10000u);
}

TEST(QuicReplayGuard, FingerprintCoversEveryField) {
  const auto base = ReplayGuard::fingerprint("hello", "GET", "example.com", "/a");
  EXPECT_EQ(base, ReplayGuard::fingerprint("hello", "GET", "example.com", "/a"));
  EXPECT_NE(base, ReplayGuard::fingerprint("hellp", "GET", "example.com", "/a"));
  EXPECT_NE(base, ReplayGuard::fingerprint("hello", "PUT", "example.com", "/a"));
  EXPECT_NE(base, ReplayGuard::fingerprint("hello", "GET", "example.org", "/a"));
  EXPECT_NE(base, ReplayGuard::fingerprint("hello", "GET", "example.com", "/b"));
}

TEST(QuicReplayGuard, FingerprintNotFooledByMovingBytesBetweenFields) {
  std::set<std::uint64_t> seen;
  // The same concatenated bytes "abcd" split at every boundary across fields.
  const std::string all = "abcd";
  std::size_t n = 0;
  for (std::size_t i = 0; i <= all.size(); ++i) {
    for (std::size_t j = i; j <= all.size(); ++j) {
      for (std::size_t k = j; k <= all.size(); ++k) {
        seen.insert(ReplayGuard::fingerprint(all.substr(0, i), all.substr(i, j - i),
                                             all.substr(j, k - j), all.substr(k)));
        ++n;
      }
    }
  }
  EXPECT_EQ(seen.size(), n);
  EXPECT_NE(ReplayGuard::fingerprint("", "", "", ""), ReplayGuard::fingerprint("", "", "", "x"));
}

TEST(QuicReplayGuard, ConcurrentChecksSeeEachKeyFreshOnce) {
  FakeClock clock;
  ReplayGuard g(100000, 10s, clock);
  std::atomic<int> fresh{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (std::uint64_t k = 0; k < 5000; ++k) {
        if (g.check(k) == V::fresh) ++fresh;
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(fresh.load(), 5000);
  EXPECT_EQ(g.size(), 5000u);
}
