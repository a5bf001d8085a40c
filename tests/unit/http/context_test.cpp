// The request context: inline strings, trace id view, extension slots.
#include <gtest/gtest.h>

#include <string>

#include "http/context.hpp"

using namespace strata;

TEST(RequestContext, FixedStringTruncatesAndClears) {
  http::FixedString<4> s;
  EXPECT_TRUE(s.empty());
  s.assign("abcdef");
  EXPECT_EQ(s.view(), "abcd");
  s.assign("xy");
  EXPECT_EQ(s.view(), "xy");
  s.clear();
  EXPECT_TRUE(s.empty());
}

TEST(RequestContext, TraceIdIsTheMiddleOfTheTraceparent) {
  http::RequestContext ctx;
  EXPECT_EQ(ctx.trace_id(), "");
  ctx.traceparent.assign("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01");
  EXPECT_EQ(ctx.trace_id(), "4bf92f3577b34da6a3ce929d0e0e4736");
}

TEST(RequestContext, SlotsAreNamedAndIndependent) {
  http::RequestContext ctx;
  ASSERT_EQ(http::kSlotNames.size(), std::size_t(http::Slot::count));
  EXPECT_EQ(http::kSlotNames[std::size_t(http::Slot::cache_status)], "cache_status");
  ctx.set(http::Slot::cache_status, "hit");
  EXPECT_EQ(ctx.get(http::Slot::cache_status), "hit");
  EXPECT_EQ(ctx.get(http::Slot::rate_limit_key), "");
  ctx.set(http::Slot::rate_limit_key, std::string(200, 'k'));
  EXPECT_EQ(ctx.get(http::Slot::rate_limit_key).size(), http::kSlotBytes);
  EXPECT_EQ(ctx.get(http::Slot::cache_status), "hit");
}

TEST(RequestTimings, StartWallIsTheStartOnTheWallClock) {
  using namespace std::chrono;
  http::RequestTimings t;
  t.start = steady_clock::now() - seconds(2);
  const auto want = system_clock::now() - seconds(2);
  const auto got = t.start_wall();
  EXPECT_LT(abs(duration_cast<milliseconds>(got - want).count()), 200);
}
