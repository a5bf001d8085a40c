#include "upstream/resilience/last_known_good.hpp"

#include <gtest/gtest.h>

namespace strata::upstream::resilience {
namespace {

using namespace std::chrono_literals;

LkgResponse resp(std::string body) { return LkgResponse{200, {{"content-type", "text/plain"}}, std::move(body)}; }

TEST(LastKnownGood, ServesUntilTtl) {
  core::FakeClock clk;
  LastKnownGood s({10s, 10, 1 << 20}, clk);
  ASSERT_TRUE(s.put("a/x", resp("hello")));
  clk.advance(9s);
  auto r = s.get("a/x");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->body, "hello");
  EXPECT_EQ(r->headers.at(0).second, "text/plain");
  clk.advance(1s);
  EXPECT_FALSE(s.get("a/x"));
  EXPECT_EQ(s.size(), 0u);
  EXPECT_EQ(s.bytes(), 0u);
}

TEST(LastKnownGood, ReplacesAndBoundsEntries) {
  core::FakeClock clk;
  LastKnownGood s({60s, 2, 1 << 20}, clk);
  s.put("a", resp("1"));
  s.put("b", resp("2"));
  EXPECT_TRUE(s.get("a"));  // a is now most recent
  s.put("c", resp("3"));    // evicts b
  EXPECT_FALSE(s.get("b"));
  EXPECT_TRUE(s.get("a"));
  s.put("a", resp("new"));
  EXPECT_EQ(s.get("a")->body, "new");
  EXPECT_EQ(s.size(), 2u);
}

TEST(LastKnownGood, BoundsBytesAndRejectsHugeItems) {
  core::FakeClock clk;
  LastKnownGood s({60s, 1000, 4096}, clk);
  EXPECT_FALSE(s.put("big", resp(std::string(2000, 'x'))));  // > 4096 / 4
  for (int i = 0; i < 20; ++i) EXPECT_TRUE(s.put("k" + std::to_string(i), resp(std::string(900, 'y'))));
  EXPECT_LE(s.bytes(), 4096u);
  EXPECT_TRUE(s.get("k19"));
  EXPECT_FALSE(s.get("k0"));
}

}  // namespace
}  // namespace strata::upstream::resilience
