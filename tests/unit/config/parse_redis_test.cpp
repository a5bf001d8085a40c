// The `redis:` section (config/parse_redis.cpp).
#include <gtest/gtest.h>

#include <cstdio>

#include <nlohmann/json.hpp>

#include "config/loader.hpp"
#include "config_error.hpp"

namespace strata::config {
namespace {

using namespace std::chrono_literals;

std::string with(const std::string& section) {
  return section + "route_tables:\n  t:\n    - {respond: {}}\n" +
         "listeners:\n  - {name: web, address: 127.0.0.1:0, routes: t}\n";
}

std::string error_of(const std::string& yaml) { return strata::config_test::config_error(yaml); }

TEST(ConfigRedis, AbsentByDefault) {
  auto c = load_string(with(""), "t.yaml");
  EXPECT_FALSE(c->redis.has_value());
}

TEST(ConfigRedis, DefaultsWhenEmptyMapping) {
  auto c = load_string(with("redis: {}\n"), "t.yaml");
  ASSERT_TRUE(c->redis.has_value());
  EXPECT_EQ(*c->redis, RedisConfig{});
}

TEST(ConfigRedis, ParsesEverything) {
  const char* pw = "/tmp/strata-redis-pw-test";
  {
    std::FILE* f = std::fopen(pw, "w");
    std::fputs("pw\n", f);
    std::fclose(f);
  }
  auto c = load_string(with(std::string("redis:\n"
                                        "  mode: shards\n"
                                        "  addresses: ['10.0.0.1:6379', 'redis-b.local:6380', '[::1]:7000']\n"
                                        "  username: app\n"
                                        "  password_file: ") +
                            pw +
                            "\n"
                            "  db: 2\n"
                            "  tls: {enabled: true, server_name: redis.example.com, verify: false}\n"
                            "  connect_timeout: 2s\n"
                            "  command_timeout: 500ms\n"
                            "  reconnect_min: 50ms\n"
                            "  reconnect_max: 10s\n"
                            "  max_pending: 1000\n"
                            "  max_reply: 1MiB\n"
                            "  max_redirects: 3\n"
                            "  topology_refresh: 1m\n"),
                       "t.yaml");
  ASSERT_TRUE(c->redis.has_value());
  const auto& r = *c->redis;
  EXPECT_EQ(r.mode, RedisMode::shards);
  EXPECT_EQ(r.addresses, (std::vector<std::string>{"10.0.0.1:6379", "redis-b.local:6380", "[::1]:7000"}));
  EXPECT_EQ(r.username, "app");
  EXPECT_EQ(r.password_file, pw);
  EXPECT_EQ(r.db, 2u);
  EXPECT_TRUE(r.tls);
  EXPECT_EQ(r.tls_server_name, "redis.example.com");
  EXPECT_FALSE(r.tls_verify);
  EXPECT_EQ(r.connect_timeout, 2s);
  EXPECT_EQ(r.command_timeout, 500ms);
  EXPECT_EQ(r.reconnect_min, 50ms);
  EXPECT_EQ(r.reconnect_max, 10s);
  EXPECT_EQ(r.max_pending, 1000u);
  EXPECT_EQ(r.max_reply, 1024u * 1024u);
  EXPECT_EQ(r.max_redirects, 3u);
  EXPECT_EQ(r.topology_refresh, 60s);
  // The dump carries the section and loads again.
  auto j = nlohmann::json::parse(to_json(*c));
  EXPECT_EQ(j["redis"]["mode"], "shards");
  EXPECT_EQ(j["redis"]["command_timeout"], "500ms");
  auto again = load_string(j.dump(), "d.json");
  EXPECT_EQ(*again->redis, r);
  std::remove(pw);
}

TEST(ConfigRedis, PasswordIsRedactedInTheDump) {
  auto c = load_string(with("redis: {password: hunter2}\n"), "t.yaml");
  EXPECT_EQ(c->redis->password, "hunter2");
  EXPECT_EQ(to_json(*c).find("hunter2"), std::string::npos);
}

TEST(ConfigRedis, Errors) {
  EXPECT_EQ(error_of(with("redis: {mode: sentinel}\n")),
            "t.yaml:1:15: mode: unknown value 'sentinel' (expected one of: standalone, shards, cluster)");
  EXPECT_EQ(error_of(with("redis:\n  addresses: ['a:1', 'b:2']\n")).rfind(
                "t.yaml:2:14: addresses: mode standalone takes exactly one address (got 2)", 0),
            0u);
  EXPECT_EQ(error_of(with("redis:\n  addresses: ['nohost']\n")).rfind(
                "t.yaml:2:15: addresses: 'nohost' is not host:port", 0),
            0u);
  EXPECT_EQ(error_of(with("redis:\n  mode: cluster\n  addresses: ['a:1', 'a:1']\n")),
            "t.yaml:3:22: addresses: 'a:1' is listed twice");
  EXPECT_EQ(error_of(with("redis:\n  mode: cluster\n  addresses: []\n")),
            "t.yaml:3:14: addresses: give at least one host:port");
  EXPECT_EQ(error_of(with("redis:\n  command_timeout: 0s\n")), "t.yaml:2:20: command_timeout: must be greater than 0");
  EXPECT_EQ(error_of(with("redis:\n  reconnect_min: 2s\n  reconnect_max: 1s\n")),
            "t.yaml:3:18: reconnect_max: must be at least reconnect_min (2000 ms > 1000 ms)");
  EXPECT_EQ(error_of(with("redis:\n  reconnect_min: 10s\n")),
            "t.yaml:2:18: reconnect_max: must be at least reconnect_min (10000 ms > 5000 ms)");
  EXPECT_EQ(error_of(with("redis:\n  mode: cluster\n  db: 1\n")), "t.yaml:3:7: db: Redis Cluster has only database 0");
  EXPECT_EQ(error_of(with("redis:\n  password: x\n  password_file: /etc/hostname\n")),
            "t.yaml:3:18: password_file: give password or password_file, not both");
  EXPECT_EQ(error_of(with("redis:\n  password_file: /nonexistent/pw\n")),
            "t.yaml:2:18: password_file: cannot read '/nonexistent/pw'");
  EXPECT_EQ(error_of(with("redis:\n  username: u\n")),
            "t.yaml:2:13: username: needs password or password_file (AUTH username password)");
  EXPECT_EQ(error_of(with("redis:\n  tls: {ca_file: /nonexistent/ca.pem}\n")),
            "t.yaml:2:18: ca_file: cannot read '/nonexistent/ca.pem'");
  EXPECT_EQ(error_of(with("redis:\n  bogus: 1\n")).rfind("t.yaml:2:3: unknown key 'bogus' in redis", 0), 0u);
  // Unknown top-level keys name "redis" only when the file uses it.
  EXPECT_EQ(error_of("listner: []\n").find("redis"), std::string::npos);
  EXPECT_NE(error_of("redis: {}\nlistner: []\n").find("redis"), std::string::npos);
}

}  // namespace
}  // namespace strata::config
