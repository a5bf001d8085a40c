// Key slots, jump hashing, script SHA-1, command formatting, endpoints.
#include "redis/slot.hpp"

#include <gtest/gtest.h>

#include <map>

#include "redis/connection.hpp"
#include "redis/format.hpp"
#include "redis/reply.hpp"
#include "redis/script.hpp"

namespace strata::redis {
namespace {

TEST(RedisSlot, Crc16AndKeySlot) {
  EXPECT_EQ(crc16("123456789"), 0x31C3);  // XMODEM check value
  EXPECT_EQ(key_slot("foo"), 12182u);     // values from the Redis Cluster spec / CLUSTER KEYSLOT
  EXPECT_EQ(key_slot("bar"), 5061u);
  EXPECT_EQ(key_slot("{user1000}.following"), key_slot("{user1000}.followers"));
  EXPECT_EQ(key_slot("{user1000}.following"), key_slot("user1000"));
  EXPECT_EQ(key_slot("foo{}{bar}"), crc16("foo{}{bar}") % kSlots);  // empty tag: whole key
  EXPECT_EQ(key_slot("foo{{bar}}zap"), key_slot("{bar"));
  EXPECT_EQ(key_slot("foo{bar}{zap}"), key_slot("bar"));
  EXPECT_LT(key_slot(""), kSlots);
}

TEST(RedisSlot, JumpBucketIsStableBoundedEvenAndMovesLittle) {
  EXPECT_EQ(jump_bucket("x", 1), 0u);
  EXPECT_EQ(jump_bucket("x", 0), 0u);
  std::map<unsigned, int> counts;
  int moved = 0;
  const int n = 20000;
  for (int i = 0; i < n; ++i) {
    const auto k = "channel:" + std::to_string(i);
    const auto b = jump_bucket(k, 4);
    ASSERT_LT(b, 4u);
    ASSERT_EQ(b, jump_bucket(k, 4));
    ++counts[b];
    const auto b5 = jump_bucket(k, 5);
    if (b5 != b) {
      ++moved;
      EXPECT_EQ(b5, 4u);  // keys only move to the new bucket
    }
  }
  for (auto& [b, c] : counts) EXPECT_NEAR(c, n / 4, n / 40) << b;
  EXPECT_NEAR(moved, n / 5, n / 40);
}

TEST(RedisScript, Sha1) {
  EXPECT_EQ(Script("").sha1, "da39a3ee5e6b4b0d3255bfef95601890afd80709");
  EXPECT_EQ(Script("return 1").sha1, "e0e1f9fabfc9d4800c877a703b823ac0578ff8db");
}

TEST(RedisFormat, Argv) {
  EXPECT_EQ(format_command({"SET", "k", "v"}), "*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$1\r\nv\r\n");
  EXPECT_EQ(format_command({"ECHO", std::string("a\0\r\n", 4)}), std::string("*2\r\n$4\r\nECHO\r\n$4\r\na\0\r\n\r\n", 24));
  std::vector<std::string> many(40, "x");
  auto s = format_command(many);
  EXPECT_EQ(s.rfind("*40\r\n", 0), 0u);
}

TEST(RedisEndpoint, Parse) {
  Endpoint e;
  ASSERT_TRUE(parse_endpoint("127.0.0.1:6379", e));
  EXPECT_EQ(e.host, "127.0.0.1");
  EXPECT_EQ(e.port, 6379);
  ASSERT_TRUE(parse_endpoint("redis.local:7000", e));
  EXPECT_EQ(e.to_string(), "redis.local:7000");
  ASSERT_TRUE(parse_endpoint("[::1]:6380", e));
  EXPECT_EQ(e.host, "::1");
  EXPECT_EQ(e.to_string(), "[::1]:6380");
  for (auto bad : {"", "host", "host:", ":80", "h:0", "h:70000", "h:12x", "::1:80", "[::1]80", "[]:1", "a b:1"})
    EXPECT_FALSE(parse_endpoint(bad, e)) << bad;
}

TEST(RedisReply, Names) {
  EXPECT_EQ(errc_name(Errc::timeout), "timeout");
  Result r;
  r.reply.type = Reply::Type::error;
  r.reply.str = "ERR x";
  EXPECT_FALSE(r.ok());
  EXPECT_EQ(r.error_text(), "ERR x");
  r.err = Errc::disconnected;
  EXPECT_EQ(r.error_text(), "disconnected");
}

}  // namespace
}  // namespace strata::redis
