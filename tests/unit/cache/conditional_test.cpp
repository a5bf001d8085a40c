// cache/conditional and cache/storable: answering preconditions from an
// object, revalidation fields, the 304 update, the storage rules.
#include <gtest/gtest.h>

#include "cache/conditional.hpp"
#include "cache/freshness.hpp"
#include "cache/storable.hpp"

namespace strata::cache {
namespace {

Object obj(std::vector<Field> h, int status = 200) {
  Object o;
  o.status = status;
  o.headers = std::move(h);
  o.body = std::make_shared<const std::string>("body");
  return o;
}

TEST(CacheConditional, IfNoneMatchWeakComparisonAndStar) {
  auto o = obj({{"etag", "W/\"v1\""}});
  http::Headers r;
  r.add("if-none-match", "\"v0\", \"v1\"");
  EXPECT_TRUE(not_modified(r, o));
  r.set("if-none-match", "\"v2\"");
  EXPECT_FALSE(not_modified(r, o));
  r.set("if-none-match", "*");
  EXPECT_TRUE(not_modified(r, o));
  r.set("if-none-match", "v1");  // unquoted tags compare by content
  EXPECT_TRUE(not_modified(r, o));
}

TEST(CacheConditional, IfModifiedSinceOnlyWithoutIfNoneMatch) {
  auto o = obj({{"last-modified", "Sun, 06 Nov 1994 08:49:37 GMT"}, {"etag", "\"a\""}});
  http::Headers r;
  r.add("if-modified-since", "Sun, 06 Nov 1994 08:49:37 GMT");
  EXPECT_TRUE(not_modified(r, o));
  r.set("if-modified-since", "Sat, 05 Nov 1994 08:49:37 GMT");
  EXPECT_FALSE(not_modified(r, o));
  r.set("if-modified-since", "Sun, 06 Nov 1994 08:49:37 GMT");
  r.add("if-none-match", "\"b\"");
  EXPECT_FALSE(not_modified(r, o));
}

TEST(CacheConditional, RevalidationFieldsReplaceTheClients) {
  auto o = obj({{"etag", "\"a\""}, {"last-modified", "Sun, 06 Nov 1994 08:49:37 GMT"}});
  http::Headers r;
  r.add("if-none-match", "\"client\"");
  r.add("range", "bytes=0-1");
  strip_conditionals(r);
  add_validators(r, o);
  EXPECT_EQ(r.get("if-none-match"), "\"a\"");
  EXPECT_EQ(r.get("if-modified-since"), "Sun, 06 Nov 1994 08:49:37 GMT");
  EXPECT_FALSE(r.has("range"));
}

TEST(CacheConditional, UpdateBy304KeepsLengthAndBody) {
  auto o = obj({{"etag", "\"a\""}, {"cache-control", "max-age=1"}, {"content-length", "4"},
                {"x-old", "1"}});
  http::Headers h;
  h.add("cache-control", "max-age=100");
  h.add("content-length", "0");
  h.add("x-new", "2");
  h.add("connection", "close");
  auto n = updated_by_304(o, h, {}, {});
  EXPECT_EQ(*n.header("cache-control"), "max-age=100");
  EXPECT_EQ(*n.header("content-length"), "4");
  EXPECT_EQ(*n.header("x-old"), "1");
  EXPECT_EQ(*n.header("x-new"), "2");
  EXPECT_EQ(n.header("connection"), nullptr);
  EXPECT_EQ(n.body, o.body);
}

TEST(CacheStorable, Rules) {
  config::RouteCache rc;
  http::Headers req;
  auto judge = [&](const Object& o, std::string_view method = "GET") {
    return std::string(not_storable_reason(method, req, parse_cache_control(req), o,
                                           object_cache_control(o), rc));
  };
  EXPECT_EQ(judge(obj({{"cache-control", "max-age=10"}})), "");
  EXPECT_EQ(judge(obj({{"cache-control", "max-age=10"}}), "POST"), "method");
  EXPECT_EQ(judge(obj({{"cache-control", "max-age=10, no-store"}})), "no-store");
  EXPECT_EQ(judge(obj({{"cache-control", "private, max-age=10"}})), "private");
  EXPECT_EQ(judge(obj({})), "no-freshness");
  EXPECT_EQ(judge(obj({{"cache-control", "no-cache"}, {"etag", "\"x\""}})), "");
  EXPECT_EQ(judge(obj({{"cache-control", "max-age=0, no-cache"}, {"etag", "\"x\""}})), "");
  EXPECT_EQ(judge(obj({{"cache-control", "max-age=10"}, {"set-cookie", "a=1"}})), "");
  EXPECT_EQ(judge(obj({{"cache-control", "max-age=10"}}, 206)), "status");
  req.add("authorization", "Basic x");
  EXPECT_EQ(judge(obj({{"cache-control", "max-age=10"}})), "authorization");
  EXPECT_EQ(judge(obj({{"cache-control", "max-age=10, public"}})), "");
  rc.private_ = true;
  EXPECT_EQ(judge(obj({{"cache-control", "public, max-age=10"}})), "private-route");
}

}  // namespace
}  // namespace strata::cache
