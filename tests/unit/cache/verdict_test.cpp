// cache/verdict: fresh / stale-while-revalidate / stale-if-error decisions
// against request directives, on a fake wall clock.
#include <gtest/gtest.h>

#include "cache/verdict.hpp"
#include "core/clock.hpp"
#include "http/http_date.hpp"

namespace strata::cache {
namespace {

using std::chrono::seconds;

struct CacheVerdict : ::testing::Test {
  core::FakeWallClock clock;
  config::RouteCache rc;
  Object stored(std::string cc) {
    Object o;
    o.headers = {{"date", http::format_http_date(std::chrono::system_clock::to_time_t(clock.now()))},
                 {"cache-control", std::move(cc)}};
    o.request_time = o.response_time = clock.now();
    o.body = std::make_shared<const std::string>();
    return o;
  }
  Verdict at(const Object& o, std::string req_cc = "", bool no_cache = false) {
    return judge(o, parse_cache_control(std::string_view(req_cc)), no_cache, rc, clock.now());
  }
};

TEST_F(CacheVerdict, FreshThenStale) {
  auto o = stored("max-age=60");
  EXPECT_TRUE(at(o).usable);
  clock.advance(seconds(59));
  EXPECT_EQ(at(o).ttl, 1);
  EXPECT_TRUE(at(o).usable);
  clock.advance(seconds(1));
  EXPECT_FALSE(at(o).usable);
  EXPECT_FALSE(at(o).swr);
  EXPECT_FALSE(at(o).sie);
}

TEST_F(CacheVerdict, RequestDirectives) {
  auto o = stored("max-age=60");
  clock.advance(seconds(30));
  EXPECT_FALSE(at(o, "max-age=10").usable);
  EXPECT_TRUE(at(o, "max-age=30").usable);
  EXPECT_FALSE(at(o, "min-fresh=40").usable);
  EXPECT_FALSE(at(o, "", true).usable);  // no-cache
  clock.advance(seconds(40));            // stale by 10
  EXPECT_TRUE(at(o, "max-stale").usable);
  EXPECT_TRUE(at(o, "max-stale=10").usable);
  EXPECT_FALSE(at(o, "max-stale=9").usable);
  EXPECT_TRUE(at(o, "stale-if-error=10").sie);
  auto m = stored("max-age=60, must-revalidate");
  clock.advance(seconds(70));
  EXPECT_FALSE(at(m, "max-stale").usable);
  EXPECT_FALSE(at(m, "stale-if-error=1000").sie);
}

TEST_F(CacheVerdict, StaleWindowsFromResponseOrRoute) {
  auto o = stored("max-age=10, stale-while-revalidate=20, stale-if-error=100");
  clock.advance(seconds(25));
  auto v = at(o);
  EXPECT_FALSE(v.usable);
  EXPECT_TRUE(v.swr);
  EXPECT_TRUE(v.sie);
  EXPECT_FALSE(at(o, "", true).swr);  // the client wants a fresh answer
  clock.advance(seconds(10));         // stale by 25
  EXPECT_FALSE(at(o).swr);
  EXPECT_TRUE(at(o).sie);
  auto r = stored("max-age=10");
  rc.stale_while_revalidate = seconds(5);
  clock.advance(seconds(12));
  EXPECT_TRUE(at(r).swr);
  auto n = stored("max-age=10, no-cache");
  EXPECT_FALSE(at(n).swr);
}

TEST_F(CacheVerdict, SoftPurgedIsStaleButKeepsItsWindows) {
  auto o = stored("max-age=600, stale-while-revalidate=30");
  o.invalidated = true;
  auto v = at(o);
  EXPECT_FALSE(v.usable);
  EXPECT_TRUE(v.swr);
}

}  // namespace
}  // namespace strata::cache
