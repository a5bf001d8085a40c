// GCRA arithmetic (security/gcra.hpp) and the key table (security/limit_table.hpp).
#include <gtest/gtest.h>

#include <string>

#include "security/gcra.hpp"
#include "security/limit_table.hpp"

using namespace strata::security;

namespace {
constexpr std::int64_t kMs = 1'000'000;
GcraParams params(std::int64_t interval, std::uint32_t burst) {
  return GcraParams{interval, interval * burst, burst};
}
}  // namespace

TEST(Gcra, BurstThenSteadyRate) {
  const auto p = params(100 * kMs, 3);  // 10/s, burst 3
  std::int64_t tat = 0, now = 1'000'000 * kMs;
  for (int i = 0; i < 3; ++i) {
    auto r = gcra_check(tat, now, p);
    ASSERT_TRUE(r.allowed) << i;
    EXPECT_EQ(r.remaining, std::uint32_t(2 - i));
  }
  auto r = gcra_check(tat, now, p);
  EXPECT_FALSE(r.allowed);
  EXPECT_EQ(r.retry_after, 100 * kMs);
  now += 99 * kMs;
  EXPECT_FALSE(gcra_check(tat, now, p).allowed);
  now += kMs;
  EXPECT_TRUE(gcra_check(tat, now, p).allowed);
  EXPECT_FALSE(gcra_check(tat, now, p).allowed);
}

TEST(Gcra, RefusalDoesNotMoveTheState) {
  const auto p = params(10 * kMs, 1);
  std::int64_t tat = 0, now = 5000 * kMs;
  ASSERT_TRUE(gcra_check(tat, now, p).allowed);
  const auto before = tat;
  for (int i = 0; i < 100; ++i) EXPECT_FALSE(gcra_check(tat, now, p).allowed);
  EXPECT_EQ(tat, before);
}

TEST(Gcra, IdleKeyRefillsToBurstOnly) {
  const auto p = params(kMs, 5);
  std::int64_t tat = 0, now = 1000 * kMs;
  int allowed = 0;
  for (int i = 0; i < 100; ++i) allowed += gcra_check(tat, now, p).allowed;
  EXPECT_EQ(allowed, 5);
  now += 1000 * kMs;  // long idle: still only a burst
  allowed = 0;
  for (int i = 0; i < 100; ++i) allowed += gcra_check(tat, now, p).allowed;
  EXPECT_EQ(allowed, 5);
}

TEST(LimitTable, EvictsLeastRecentlyUsed) {
  LimitTable t(3, nullptr, nullptr);
  for (std::string k : {"a", "b", "c"}) t.touch(k, [](LimitEntry& e) { e.tat = 7; });
  t.touch("a", [](LimitEntry&) {});   // a is now the most recent; b the oldest
  t.touch("d", [](LimitEntry& e) { e.tat = 9; });
  EXPECT_EQ(t.size(), 3u);
  EXPECT_EQ(t.evicted(), 1u);
  EXPECT_FALSE(t.find("b", [](LimitEntry&) {}));
  std::int64_t a = 0;
  EXPECT_TRUE(t.find("a", [&](LimitEntry& e) { a = e.tat; }));
  EXPECT_EQ(a, 7);
  EXPECT_TRUE(t.find("c", [](LimitEntry&) {}));
  EXPECT_TRUE(t.find("d", [](LimitEntry&) {}));
}

TEST(LimitTable, ShardedTableStaysUnderMaxKeys) {
  LimitTable t(8192, nullptr, nullptr);
  for (int i = 0; i < 50000; ++i) t.touch(std::to_string(i), [](LimitEntry&) {});
  EXPECT_LE(t.size(), 8192u);
  EXPECT_GE(t.size(), 8000u);
  EXPECT_EQ(t.size() + t.evicted(), 50000u);
}
