// cache/cache_control: directive parsing for requests and responses.
#include <gtest/gtest.h>

#include "cache/cache_control.hpp"

namespace strata::cache {
namespace {

TEST(CacheControl, DirectivesCaseInsensitiveFirstWins) {
  auto cc = parse_cache_control("Max-Age=60, s-maxage=\"30\", max-age=5, PUBLIC, no-cache=\"set-cookie, a\"");
  EXPECT_EQ(cc.max_age, 60);
  EXPECT_EQ(cc.s_maxage, 30);
  EXPECT_TRUE(cc.is_public);
  EXPECT_TRUE(cc.no_cache);
  EXPECT_FALSE(cc.no_store);
}

TEST(CacheControl, MalformedDeltaIsZeroAndHugeIsCapped) {
  auto cc = parse_cache_control("max-age=abc, stale-if-error=99999999999999");
  EXPECT_EQ(cc.max_age, 0);
  EXPECT_EQ(cc.stale_if_error, std::int64_t(1) << 31);
}

TEST(CacheControl, SeveralLinesAndRequestDirectives) {
  http::Headers h;
  h.add("cache-control", "max-stale");
  h.add("cache-control", "min-fresh=10, only-if-cached, no-store");
  auto cc = parse_cache_control(h);
  EXPECT_TRUE(cc.max_stale_any);
  EXPECT_FALSE(cc.max_stale);
  EXPECT_EQ(cc.min_fresh, 10);
  EXPECT_TRUE(cc.only_if_cached);
  EXPECT_TRUE(cc.no_store);
}

TEST(CacheControl, PragmaOnlyWithoutCacheControl) {
  http::Headers h;
  h.add("pragma", "no-cache");
  EXPECT_TRUE(pragma_no_cache(h));
  h.add("cache-control", "max-age=5");
  EXPECT_FALSE(pragma_no_cache(h));
}

}  // namespace
}  // namespace strata::cache
