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
  EXPECT_FALSE(cc.no_cache);  // qualified: only those fields
  EXPECT_EQ(cc.omit_fields, (std::vector<std::string>{"set-cookie", "a"}));
  EXPECT_FALSE(cc.no_store);
  auto p = parse_cache_control("private=\"X-User\", no-cache");
  EXPECT_FALSE(p.is_private);
  EXPECT_TRUE(p.no_cache);
  EXPECT_EQ(p.omit_fields, (std::vector<std::string>{"x-user"}));
}

TEST(CacheControl, WhitespaceAroundEqualsIsNotADirective) {
  EXPECT_FALSE(parse_cache_control("max-age =60").max_age);
  EXPECT_FALSE(parse_cache_control("max-age= 60").max_age);
  EXPECT_EQ(parse_cache_control(" max-age=60 ").max_age, 60);
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

}  // namespace
}  // namespace strata::cache

namespace strata::cache {
namespace {

TEST(CacheControl, SurrogateControlOverridesStorageAndFreshness) {
  http::Headers h;
  h.add("cache-control", "no-store, private, s-maxage=5");
  h.add("surrogate-control", "max-age=60;edge, content=\"ESI/1.0\"");
  auto cc = response_cache_control(h);
  EXPECT_FALSE(cc.no_store);
  EXPECT_FALSE(cc.is_private);
  EXPECT_FALSE(cc.s_maxage);
  EXPECT_EQ(cc.max_age, 60);
  http::Headers n;
  n.add("cache-control", "max-age=60");
  n.add("surrogate-control", "no-store");
  EXPECT_TRUE(response_cache_control(n).no_store);
}

}  // namespace
}  // namespace strata::cache
