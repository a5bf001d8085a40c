// security/rule_table.hpp with a fake clock:
// thresholds, penalties held for their duration and released, the actions'
// verdicts, dry_run, lift, replays, LRU eviction and the metrics.
#include "security/rule_table.hpp"

#include <gtest/gtest.h>

#include "obs/metrics.hpp"

namespace strata::security {
namespace {

using namespace std::chrono_literals;

config::Rule rule(std::string name, std::uint64_t threshold, std::string action = "block") {
  config::Rule r;
  r.name = std::move(name);
  r.threshold = threshold;
  r.window = 60s;
  r.duration = 3600s;
  r.action = std::move(action);
  return r;
}

std::int64_t gauge(const std::string& name, const std::string& rule) {
  return obs::gauge(name, "", {{"rule", rule}}).value();
}
std::uint64_t counter(const std::string& name, const obs::Labels& l) {
  return obs::counter(name, "", l).value();
}

TEST(RuleTable, OverThresholdPenalizesForDurationThenReleases) {
  core::FakeClock clock;
  auto r = rule("t-hold", 3);
  const auto pen0 = counter("strata_rule_penalties_total", {{"rule", "t-hold"}, {"action", "block"}});
  const auto hits0 = counter("strata_rule_hits_total", {{"rule", "t-hold"}});
  RuleTable t(r, clock);
  for (int i = 0; i < 3; ++i) EXPECT_FALSE(t.count("10.0.0.0/24"));
  EXPECT_EQ(t.check("10.0.0.0/24").kind, Verdict::none);
  EXPECT_TRUE(t.count("10.0.0.0/24"));  // the 4th: more than 3
  EXPECT_EQ(t.check("10.0.0.0/24").kind, Verdict::block);
  EXPECT_EQ(t.check("10.0.1.0/24").kind, Verdict::none);  // another key
  EXPECT_EQ(gauge("strata_rule_active_penalties", "t-hold"), 1);
  EXPECT_EQ(counter("strata_rule_penalties_total", {{"rule", "t-hold"}, {"action", "block"}}) - pen0, 1u);
  EXPECT_EQ(counter("strata_rule_hits_total", {{"rule", "t-hold"}}) - hits0, 4u);
  clock.advance(3599s);
  EXPECT_EQ(t.check("10.0.0.0/24").kind, Verdict::block);
  ASSERT_EQ(t.penalties().size(), 1u);
  EXPECT_EQ(t.penalties()[0].remaining, 1000ms);
  clock.advance(1s);
  EXPECT_EQ(t.check("10.0.0.0/24").kind, Verdict::none);
  EXPECT_TRUE(t.penalties().empty());
  EXPECT_EQ(gauge("strata_rule_active_penalties", "t-hold"), 0);
  // The count started from zero with the penalty: 3 more are fine again.
  for (int i = 0; i < 3; ++i) EXPECT_FALSE(t.count("10.0.0.0/24"));
}

TEST(RuleTable, WindowSlides) {
  core::FakeClock clock;
  RuleTable t(rule("t-slide", 3), clock);
  for (int i = 0; i < 3; ++i) t.count("k");
  clock.advance(120s);  // two windows later the old events are gone
  for (int i = 0; i < 3; ++i) EXPECT_FALSE(t.count("k"));
  EXPECT_TRUE(t.count("k"));
}

TEST(RuleTable, NotCountedWhilePenalized) {
  core::FakeClock clock;
  auto r = rule("t-nocount", 1);
  r.duration = 10s;
  RuleTable t(r, clock);
  t.count("k");
  EXPECT_TRUE(t.count("k"));
  const auto hits = counter("strata_rule_hits_total", {{"rule", "t-nocount"}});
  for (int i = 0; i < 5; ++i) EXPECT_FALSE(t.count("k"));
  EXPECT_EQ(counter("strata_rule_hits_total", {{"rule", "t-nocount"}}), hits);
}

TEST(RuleTable, BlockCloseAndTarpitVerdicts) {
  core::FakeClock clock;
  auto c = rule("t-close", 1);
  c.block_close = true;
  RuleTable tc(c, clock);
  tc.count("k"), tc.count("k");
  EXPECT_EQ(tc.check("k").kind, Verdict::close);
  EXPECT_EQ(tc.penalties().at(0).action, "block_close");

  auto p = rule("t-tarpit", 1, "tarpit");
  p.tarpit_delay = 250ms;
  RuleTable tp(p, clock);
  tp.count("k"), tp.count("k");
  const auto v = tp.check("k");
  EXPECT_EQ(v.kind, Verdict::tarpit);
  EXPECT_EQ(v.wait, 250ms);
}

TEST(RuleTable, RateLimitPenaltyIsGcra) {
  core::FakeClock clock;
  auto r = rule("t-rl", 1, "rate_limit");
  r.penalty_rate = 2;       // 2 per second: one every 500 ms
  r.penalty_per = 1s;
  r.penalty_burst = 2;
  const auto pen0 = counter("strata_rule_penalties_total", {{"rule", "t-rl"}, {"action", "rate_limit"}});
  RuleTable t(r, clock);
  t.count("k"), t.count("k");
  EXPECT_EQ(t.check("k").kind, Verdict::none);  // burst of 2
  EXPECT_EQ(t.check("k").kind, Verdict::none);
  const auto v = t.check("k");
  EXPECT_EQ(v.kind, Verdict::rate_limited);
  EXPECT_EQ(v.wait, 500ms);
  clock.advance(500ms);
  EXPECT_EQ(t.check("k").kind, Verdict::none);
  EXPECT_EQ(t.check("k").kind, Verdict::rate_limited);
  EXPECT_EQ(counter("strata_rule_penalties_total", {{"rule", "t-rl"}, {"action", "rate_limit"}}) - pen0, 1u);
}

TEST(RuleTable, DryRunCountsButEnforcesNothing) {
  core::FakeClock clock;
  auto r = rule("t-dry", 1);
  r.dry_run = true;
  RuleTable t(r, clock);
  t.count("k");
  EXPECT_TRUE(t.count("k"));
  EXPECT_EQ(t.check("k").kind, Verdict::none);
  EXPECT_TRUE(t.penalized("k"));
  ASSERT_EQ(t.penalties().size(), 1u);
  EXPECT_TRUE(t.penalties()[0].dry_run);
}

TEST(RuleTable, LiftOneOrAll) {
  core::FakeClock clock;
  RuleTable t(rule("t-lift", 1), clock);
  for (const char* k : {"a", "b", "c"}) t.count(k), t.count(k);
  EXPECT_EQ(t.penalties().size(), 3u);
  EXPECT_EQ(t.lift(std::string_view("b")), 1u);
  EXPECT_EQ(t.lift(std::string_view("b")), 0u);
  EXPECT_EQ(t.check("b").kind, Verdict::none);
  EXPECT_EQ(t.check("a").kind, Verdict::block);
  EXPECT_EQ(t.lift(std::nullopt), 2u);
  EXPECT_TRUE(t.penalties().empty());
  EXPECT_EQ(gauge("strata_rule_active_penalties", "t-lift"), 0);
}

TEST(RuleTable, SweepEndsExpiredPenalties) {
  core::FakeClock clock;
  auto r = rule("t-sweep", 1);
  r.duration = 5s;
  RuleTable t(r, clock);
  t.count("k"), t.count("k");
  EXPECT_EQ(gauge("strata_rule_active_penalties", "t-sweep"), 1);
  clock.advance(5s);
  t.sweep();
  EXPECT_EQ(gauge("strata_rule_active_penalties", "t-sweep"), 0);
}

TEST(RuleTable, LeastRecentlyUsedKeysEvicted) {
  core::FakeClock clock;
  auto r = rule("t-lru", 2);
  r.max_keys = 3;
  const auto ev0 = counter("strata_rule_keys_evicted_total", {{"rule", "t-lru"}});
  RuleTable t(r, clock);
  t.count("a"), t.count("b"), t.count("c");
  t.count("a");  // a is now the most recent: b is next out
  t.count("d");
  EXPECT_EQ(t.keys(), 3u);
  EXPECT_EQ(counter("strata_rule_keys_evicted_total", {{"rule", "t-lru"}}) - ev0, 1u);
  EXPECT_EQ(gauge("strata_rule_keys", "t-lru"), 3);
  // a kept its count (2 so far): one more is over 2.
  EXPECT_TRUE(t.count("a"));
  // b was forgotten: it starts again from zero.
  EXPECT_FALSE(t.count("b"));
  EXPECT_FALSE(t.count("b"));
}

TEST(RuleTable, KeysGaugeDropsWithTheTable) {
  core::FakeClock clock;
  {
    RuleTable t(rule("t-gone", 5), clock);
    t.count("a"), t.count("b");
    EXPECT_EQ(gauge("strata_rule_keys", "t-gone"), 2);
  }
  EXPECT_EQ(gauge("strata_rule_keys", "t-gone"), 0);
}

TEST(RuleTable, RepeatsArePerKeyWithinTheWindow) {
  core::FakeClock clock;
  RuleTable t(rule("t-rep", 5), clock);
  EXPECT_FALSE(t.repeat("a", 42));
  EXPECT_TRUE(t.repeat("a", 42));
  EXPECT_FALSE(t.repeat("b", 42));  // the same request from another key
  EXPECT_FALSE(t.repeat("a", 43));
  clock.advance(60s);
  EXPECT_TRUE(t.repeat("a", 43));   // the previous window still counts
  clock.advance(120s);
  EXPECT_FALSE(t.repeat("a", 43));  // forgotten
}

}  // namespace
}  // namespace strata::security
