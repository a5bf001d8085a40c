#include "upstream/lb/policy.hpp"

#include <gtest/gtest.h>

#include <map>
#include <vector>

#include "upstream/lb/ring_hash.hpp"

namespace strata::upstream::lb {
namespace {

// The policy named as in the config file (clusters.*.lb).
std::unique_ptr<Policy> make_policy(std::string_view name, std::uint32_t ring_size,
                                    std::uint64_t seed) {
  for (std::size_t i = 0; i < config::kLbPolicyNames.size(); ++i)
    if (config::kLbPolicyNames[i] == name)
      return lb::make_policy(static_cast<config::LbPolicy>(i), ring_size, seed);
  ADD_FAILURE() << "no lb policy " << name;
  return nullptr;
}

std::vector<Host> hosts3(std::uint32_t w0 = 1, std::uint32_t w1 = 1, std::uint32_t w2 = 1) {
  return {{"10.0.0.1:80", w0, 0}, {"10.0.0.2:80", w1, 0}, {"10.0.0.3:80", w2, 0}};
}

std::vector<int> count_picks(Policy& p, const std::vector<Host>& hs, int n, bool vary_hash) {
  std::vector<int> c(hs.size(), 0);
  p.update(hs);
  for (int i = 0; i < n; ++i) {
    auto idx = p.pick(hs, vary_hash ? hash_key("client-" + std::to_string(i)) : 0);
    EXPECT_TRUE(idx.has_value());
    if (idx) ++c[*idx];
  }
  return c;
}

class LbEqual : public ::testing::TestWithParam<const char*> {};

TEST_P(LbEqual, ThirtyThousandPicksWithinFivePercent) {
  auto p = make_policy(GetParam(), 1024, 42);
  auto hs = hosts3();
  auto c = count_picks(*p, hs, 30000, true);
  for (int v : c) {
    EXPECT_GE(v, 9500) << GetParam();
    EXPECT_LE(v, 10500) << GetParam();
  }
}

TEST_P(LbEqual, WeightsRespected) {
  auto p = make_policy(GetParam(), 1024, 7);
  auto hs = hosts3(1, 2, 3);
  auto c = count_picks(*p, hs, 60000, true);
  // expected 10000 / 20000 / 30000, within 5%
  EXPECT_NEAR(c[0], 10000, 500) << GetParam();
  EXPECT_NEAR(c[1], 20000, 1000) << GetParam();
  EXPECT_NEAR(c[2], 30000, 1500) << GetParam();
}

TEST_P(LbEqual, EmptyGivesNothing) {
  auto p = make_policy(GetParam(), 16, 1);
  std::vector<Host> none;
  p->update(none);
  EXPECT_FALSE(p->pick(none, 0).has_value());
}

INSTANTIATE_TEST_SUITE_P(Policies, LbEqual,
                         ::testing::Values("round_robin", "least_request", "ring_hash", "random"));

TEST(LbRoundRobin, SmoothInterleaving) {
  auto p = make_policy("round_robin", 0, 0);
  std::vector<Host> hs{{"a", 5, 0}, {"b", 1, 0}, {"c", 1, 0}};
  p->update(hs);
  std::string seq;
  for (int i = 0; i < 7; ++i) seq += hs[*p->pick(hs, 0)].key;
  EXPECT_EQ(seq, "aabacaa");  // nginx's smooth WRR sequence for 5/1/1
}

TEST(LbRingHash, StableForAKey) {
  auto p = make_policy("ring_hash", 160, 0);
  auto hs = hosts3();
  p->update(hs);
  for (int k = 0; k < 100; ++k) {
    const auto h = hash_key("user-" + std::to_string(k));
    const auto first = p->pick(hs, h);
    for (int i = 0; i < 5; ++i) EXPECT_EQ(p->pick(hs, h), first);
  }
}

TEST(LbRingHash, MinimalRemappingWhenHostRemoved) {
  auto p = make_policy("ring_hash", 160, 0);
  auto hs = hosts3();
  p->update(hs);
  std::map<int, std::string> before;
  for (int k = 0; k < 3000; ++k)
    before[k] = hs[*p->pick(hs, hash_key("key-" + std::to_string(k)))].key;
  std::vector<Host> two{hs[0], hs[2]};  // remove 10.0.0.2
  p->update(two);
  int moved = 0;
  for (int k = 0; k < 3000; ++k) {
    const auto now = two[*p->pick(two, hash_key("key-" + std::to_string(k)))].key;
    if (before[k] != "10.0.0.2:80") {
      EXPECT_EQ(now, before[k]) << "key " << k << " moved although its host stayed";
    } else {
      ++moved;
    }
  }
  EXPECT_GT(moved, 700);
  EXPECT_LT(moved, 1300);
}

TEST(LbLeastRequest, AvoidsBusyHost) {
  auto p = make_policy("least_request", 0, 3);
  auto hs = hosts3();
  hs[1].active = 50;
  auto c = count_picks(*p, hs, 3000, false);
  // P2C draws two distinct hosts, so the busy one always loses its comparison.
  EXPECT_EQ(c[1], 0);
  EXPECT_NEAR(c[0], 1500, 200);
}

TEST(LbLeastRequest, WeightAware) {
  auto p = make_policy("least_request", 0, 5);
  std::vector<Host> hs{{"a", 4, 4}, {"b", 1, 0}};
  p->update(hs);
  // a: 4 active / weight 4 = 1 per unit; b: 0 -> b always wins.
  for (int i = 0; i < 20; ++i) EXPECT_EQ(*p->pick(hs, 0), 1u);
  hs[0].active = 2;
  hs[1].active = 1;  // a: 0.5 per unit, b: 1 -> a always wins
  for (int i = 0; i < 20; ++i) EXPECT_EQ(*p->pick(hs, 0), 0u);
}

}  // namespace
}  // namespace strata::upstream::lb
