#include "upstream/lb/ewma.hpp"

#include <gtest/gtest.h>

#include <vector>

namespace strata::upstream::lb {
namespace {

using namespace std::chrono_literals;

TEST(LbEwma, PeakIsTakenAtOnceAndDecaysWithTime) {
  Ewma e(10s);
  Ewma::time_point t{};
  e.observe(0.010, t);
  EXPECT_DOUBLE_EQ(e.value(), 0.010);
  e.observe(0.500, t + 1ms);  // slower: taken immediately
  EXPECT_DOUBLE_EQ(e.value(), 0.500);
  e.observe(0.010, t + 10s);  // one time constant later: ~63% of the way back
  EXPECT_NEAR(e.value(), 0.010 + (0.490 * std::exp(-1.0)), 1e-3);
  double before = e.value();
  e.observe(0.010, t + 10s);  // no time passed: still a small step down
  EXPECT_LT(e.value(), before);
  EXPECT_GT(e.value(), 0.010);
}

TEST(LbEwma, AvoidsTheSlowHost) {
  EwmaP2C p(7);
  std::vector<Host> hs = {{"a", 1, 0, 0.200}, {"b", 1, 0, 0.002}, {"c", 1, 0, 0.002}};
  p.update(hs);
  std::vector<int> c(3, 0);
  for (int i = 0; i < 3000; ++i) ++c[*p.pick(hs, 0)];
  // "a" only wins when both draws... never: it is always compared with a faster host.
  EXPECT_EQ(c[0], 0);
  EXPECT_GT(c[1], 1200);
  EXPECT_GT(c[2], 1200);
}

TEST(LbEwma, UnknownLatencyCountsAsFastestAndActiveMatters) {
  EwmaP2C p(9);
  std::vector<Host> hs = {{"new", 1, 0, 0}, {"known", 1, 5, 0.010}};
  // new: 0.010 * 1; known: 0.010 * 6 -> new always wins.
  for (int i = 0; i < 100; ++i) EXPECT_EQ(*p.pick(hs, 0), 0u);
  std::vector<Host> one = {{"x", 1, 0, 0}};
  EXPECT_EQ(*p.pick(one, 0), 0u);
  EXPECT_FALSE(p.pick({}, 0).has_value());
}

TEST(LbEwma, MadeByName) {
  auto p = make_policy(config::LbPolicy::ewma, 1, 1);
  std::vector<Host> hs = {{"a", 1, 0, 0.5}, {"b", 1, 0, 0.001}};
  int b = 0;
  for (int i = 0; i < 50; ++i) b += *p->pick(hs, 0) == 1;
  EXPECT_EQ(b, 50);
}

}  // namespace
}  // namespace strata::upstream::lb
