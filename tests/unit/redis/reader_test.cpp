// redis::Reader: hiredis's reader building Reply values, with max_reply.
#include "redis/reader.hpp"

#include <gtest/gtest.h>

namespace strata::redis {
namespace {

Reader::Status feed_all(Reader& r, std::string_view bytes, Reply& out) {
  r.feed(bytes.data(), bytes.size());
  return r.next(out);
}

TEST(RedisReader, ScalarsAndNil) {
  Reader r(1 << 20);
  Reply x;
  ASSERT_EQ(feed_all(r, "+OK\r\n", x), Reader::Status::reply);
  EXPECT_EQ(x.type, Reply::Type::status);
  EXPECT_EQ(x.str, "OK");
  ASSERT_EQ(feed_all(r, "-ERR no\r\n", x), Reader::Status::reply);
  EXPECT_TRUE(x.is_error());
  EXPECT_EQ(x.str, "ERR no");
  ASSERT_EQ(feed_all(r, ":-42\r\n", x), Reader::Status::reply);
  EXPECT_EQ(x.integer, -42);
  ASSERT_EQ(feed_all(r, "$-1\r\n", x), Reader::Status::reply);
  EXPECT_TRUE(x.is_nil());
  ASSERT_EQ(feed_all(r, "*-1\r\n", x), Reader::Status::reply);
  EXPECT_TRUE(x.is_nil());
  ASSERT_EQ(feed_all(r, std::string("$5\r\na\0b\r\n\r\n", 11), x), Reader::Status::reply);
  EXPECT_EQ(x.str, std::string("a\0b\r\n", 5));
  EXPECT_EQ(r.next(x), Reader::Status::incomplete);
}

TEST(RedisReader, NestedArraysByteByByte) {
  const std::string wire = "*3\r\n:1\r\n*2\r\n$1\r\na\r\n*0\r\n$-1\r\n*2\r\n+x\r\n*1\r\n:9\r\n";
  Reader r(1 << 20);
  Reply x;
  std::vector<Reply> got;
  for (char c : wire) {
    r.feed(&c, 1);
    while (r.next(x) == Reader::Status::reply) got.push_back(std::move(x));
  }
  ASSERT_EQ(got.size(), 2u);
  ASSERT_TRUE(got[0].is_array());
  ASSERT_EQ(got[0].elements.size(), 3u);
  EXPECT_EQ(got[0].elements[0].integer, 1);
  ASSERT_EQ(got[0].elements[1].elements.size(), 2u);
  EXPECT_EQ(got[0].elements[1].elements[0].str, "a");
  EXPECT_TRUE(got[0].elements[1].elements[1].is_array());
  EXPECT_TRUE(got[0].elements[1].elements[1].elements.empty());
  EXPECT_TRUE(got[0].elements[2].is_nil());
  EXPECT_EQ(got[1].elements[1].elements[0].integer, 9);
}

TEST(RedisReader, ManyRepliesInOneFeed) {
  std::string wire;
  for (int i = 0; i < 1000; ++i) wire += ":" + std::to_string(i) + "\r\n";
  Reader r(1 << 20);
  r.feed(wire.data(), wire.size());
  Reply x;
  for (int i = 0; i < 1000; ++i) {
    ASSERT_EQ(r.next(x), Reader::Status::reply);
    ASSERT_EQ(x.integer, i);
  }
  EXPECT_EQ(r.next(x), Reader::Status::incomplete);
}

TEST(RedisReader, MalformedIsStickyUntilReset) {
  Reader r(1 << 20);
  Reply x;
  EXPECT_EQ(feed_all(r, "?what\r\n", x), Reader::Status::malformed);
  EXPECT_NE(r.error().find("malformed"), std::string::npos);
  EXPECT_EQ(feed_all(r, "+OK\r\n", x), Reader::Status::malformed);
  r.reset();
  EXPECT_EQ(feed_all(r, "+OK\r\n", x), Reader::Status::reply);
  EXPECT_EQ(feed_all(r, "*-5\r\n", x), Reader::Status::malformed);
  r.reset();
  // hiredis supports nesting up to 7 levels.
  EXPECT_EQ(feed_all(r, "*1\r\n*1\r\n*1\r\n*1\r\n*1\r\n*1\r\n*1\r\n*1\r\n*1\r\n:1\r\n", x), Reader::Status::malformed);
}

TEST(RedisReader, TooLarge) {
  Reply x;
  {
    Reader r(100);
    EXPECT_EQ(feed_all(r, "$101\r\n", x), Reader::Status::too_large);
    EXPECT_NE(r.error().find("max_reply"), std::string::npos);
  }
  {
    Reader r(100);
    EXPECT_EQ(feed_all(r, "$90\r\n" + std::string(90, 'a') + "\r\n", x), Reader::Status::reply);
    EXPECT_EQ(feed_all(r, "*1000\r\n", x), Reader::Status::too_large);
  }
  {
    Reader r(100);
    EXPECT_EQ(feed_all(r, "*3\r\n$50\r\n" + std::string(50, 'a') + "\r\n$50\r\n" + std::string(50, 'b') + "\r\n", x),
              Reader::Status::too_large);
  }
  {
    Reader r(100);
    EXPECT_EQ(feed_all(r, "+" + std::string(300, 's'), x), Reader::Status::too_large);
  }
  {
    Reader r(100);  // the limit is per reply: many small ones are fine
    std::string wire;
    for (int i = 0; i < 100; ++i) wire += "$40\r\n" + std::string(40, 'z') + "\r\n";
    r.feed(wire.data(), wire.size());
    for (int i = 0; i < 100; ++i) ASSERT_EQ(r.next(x), Reader::Status::reply) << i;
  }
}

}  // namespace
}  // namespace strata::redis
