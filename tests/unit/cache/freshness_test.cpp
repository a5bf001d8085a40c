// cache/freshness: lifetime (explicit, ttl, heuristic) and age (RFC 9111
// 4.2.3) on a fake wall clock.
#include <gtest/gtest.h>

#include "cache/freshness.hpp"
#include "core/clock.hpp"
#include "http/http_date.hpp"

namespace strata::cache {
namespace {

using std::chrono::seconds;

std::string date(WallTime t) { return http::format_http_date(std::chrono::system_clock::to_time_t(t)); }

Object make(core::FakeWallClock& clk, std::vector<Field> h) {
  Object o;
  o.status = 200;
  o.headers = std::move(h);
  o.request_time = clk.now();
  o.response_time = clk.now();
  o.body = std::make_shared<const std::string>();
  return o;
}

TEST(Freshness, SharedCachePrefersSMaxage) {
  core::FakeWallClock clk;
  auto o = make(clk, {{"date", date(clk.now())}, {"cache-control", "max-age=10, s-maxage=20"}});
  EXPECT_EQ(freshness_lifetime(o, object_cache_control(o), {}), 20);
}

TEST(Freshness, ExpiresMinusDateAndInvalidExpires) {
  core::FakeWallClock clk;
  auto o = make(clk, {{"date", date(clk.now())}, {"expires", date(clk.now() + seconds(90))}});
  EXPECT_EQ(freshness_lifetime(o, object_cache_control(o), {}), 90);
  auto bad = make(clk, {{"date", date(clk.now())}, {"expires", "0"}});
  EXPECT_EQ(freshness_lifetime(bad, object_cache_control(bad), {}), 0);
}

TEST(Freshness, RouteTtlThenHeuristic) {
  core::FakeWallClock clk;
  auto o = make(clk, {{"date", date(clk.now())},
                      {"last-modified", date(clk.now() - seconds(1000))}});
  config::RouteCache rc;
  EXPECT_EQ(freshness_lifetime(o, object_cache_control(o), rc), 100);
  rc.heuristic_max = std::chrono::seconds(50);
  EXPECT_EQ(freshness_lifetime(o, object_cache_control(o), rc), 50);
  rc.heuristic = false;
  EXPECT_FALSE(freshness_lifetime(o, object_cache_control(o), rc));
  rc.ttl = std::chrono::seconds(7);
  EXPECT_EQ(freshness_lifetime(o, object_cache_control(o), rc), 7);
  auto nolm = make(clk, {{"date", date(clk.now())}});
  EXPECT_FALSE(freshness_lifetime(nolm, object_cache_control(nolm), config::RouteCache{}));
}

TEST(Freshness, AgeCountsAgeFieldDelayAndResidentTime) {
  core::FakeWallClock clk;
  auto o = make(clk, {{"date", date(clk.now())}, {"age", "30"}});
  o.request_time = clk.now() - seconds(2);  // the response took 2 s
  EXPECT_EQ(current_age(o, clk.now()), 32);
  clk.advance(seconds(10));
  EXPECT_EQ(current_age(o, clk.now()), 42);
}

TEST(Freshness, ApparentAgeFromAnOldDate) {
  core::FakeWallClock clk;
  auto o = make(clk, {{"date", date(clk.now() - seconds(100))}});
  EXPECT_EQ(current_age(o, clk.now()), 100);
}

TEST(Freshness, StaleWindowsForbiddenByMustRevalidate) {
  config::RouteCache rc;
  rc.stale_if_error = std::chrono::seconds(60);
  EXPECT_EQ(stale_if_error_s(parse_cache_control("max-age=1"), rc), 60);
  EXPECT_EQ(stale_if_error_s(parse_cache_control("max-age=1, stale-if-error=5"), rc), 5);
  EXPECT_EQ(stale_if_error_s(parse_cache_control("max-age=1, must-revalidate"), rc), 0);
  EXPECT_EQ(stale_while_revalidate_s(parse_cache_control("stale-while-revalidate=9"), rc), 9);
  EXPECT_EQ(stale_while_revalidate_s(parse_cache_control("s-maxage=1, stale-while-revalidate=9"), rc), 0);
}

}  // namespace
}  // namespace strata::cache
