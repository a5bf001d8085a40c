// The `hub:` section and the hub / hub_api route actions (config/parse_hub.cpp).
#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>

#include <nlohmann/json.hpp>

#include "config/loader.hpp"
#include "config_error.hpp"

namespace strata::config {
namespace {

std::string with_hub(const std::string& hub, const std::string& routes = "    - {respond: {}}\n") {
  return hub + "route_tables:\n  t:\n" + routes +
         "listeners:\n  - {name: web, address: 127.0.0.1:0, routes: t}\n";
}

std::string error_of(const std::string& yaml) { return strata::config_test::config_error(yaml); }

TEST(ConfigHub, DefaultsAndDefaultNamespaceWhenAbsent) {
  auto c = load_string(with_hub(""), "t.yaml");
  ASSERT_EQ(c->hub.namespaces.size(), 1u);
  EXPECT_EQ(c->hub.namespaces[0], HubNamespace{});
  EXPECT_FALSE(c->hub.jwt);
  EXPECT_EQ(c->hub.heartbeat, std::chrono::seconds(25));
  EXPECT_EQ(c->hub.client_timeout, std::chrono::seconds(60));
  EXPECT_EQ(c->hub.out_queue, 1024u * 1024u);
  EXPECT_EQ(c->hub.drain_spread, std::chrono::seconds(5));
}

TEST(ConfigHub, ParsesEverything) {
  const char* secret = "/tmp/strata_parse_hub_secret.txt";
  { std::ofstream(secret) << "s3cret\n"; }
  auto c = load_string(with_hub(std::string("hub:\n"
                                            "  heartbeat: 10s\n"
                                            "  client_timeout: 30s\n"
                                            "  out_queue: 256KiB\n"
                                            "  max_message: 16KiB\n"
                                            "  max_frame: 8KiB\n"
                                            "  max_channel_length: 100\n"
                                            "  max_channels_per_client: 10\n"
                                            "  idempotency_window: 2m\n"
                                            "  idempotency_max_keys: 50\n"
                                            "  drain_spread: 0s\n"
                                            "  api_keys: [key-one-12345]\n"
                                            "  jwt: {hs256_secret_file: ") +
                                secret +
                                ", audience: aud, issuer: iss, leeway: 5s}\n"
                                "  namespaces:\n"
                                "    - {name: chat, presence: true, join_leave: true, "
                                "client_publish: true, history_size: 10, history_ttl: 1m}\n"
                                "    - {name: ticker, latest_only: true, slow_consumer: skip_to_latest}\n"
                                "    - {name: \"\", anonymous: true}\n",
                            "    - {match: {prefix: /hub/api}, hub_api: {}}\n"
                            "    - {match: {prefix: /hub}, hub: {deflate: true, no_context_takeover: false}}\n"
                            "    - {match: {prefix: /sse}, hub: {websocket: false}}\n"
                            "    - {match: {prefix: /plain}, hub:}\n"),
                       "t.yaml");
  const auto& h = c->hub;
  EXPECT_EQ(h.heartbeat, std::chrono::seconds(10));
  EXPECT_EQ(h.client_timeout, std::chrono::seconds(30));
  EXPECT_EQ(h.out_queue, 256u * 1024u);
  EXPECT_EQ(h.max_message, 16u * 1024u);
  EXPECT_EQ(h.max_frame, 8u * 1024u);
  EXPECT_EQ(h.max_channel_length, 100u);
  EXPECT_EQ(h.max_channels_per_client, 10u);
  EXPECT_EQ(h.idempotency_window_s, 120u);
  EXPECT_EQ(h.idempotency_max_keys, 50u);
  EXPECT_EQ(h.drain_spread, std::chrono::milliseconds(0));
  EXPECT_EQ(h.api_keys, std::vector<std::string>{"key-one-12345"});
  ASSERT_TRUE(h.jwt);
  EXPECT_EQ(h.jwt->hs256_secret_file, secret);
  EXPECT_EQ(h.jwt->audience, "aud");
  EXPECT_EQ(h.jwt->issuer, "iss");
  EXPECT_EQ(h.jwt->leeway, std::chrono::seconds(5));
  ASSERT_EQ(h.namespaces.size(), 3u);  // "" given: not added again
  EXPECT_EQ(h.namespaces[0].name, "chat");
  EXPECT_TRUE(h.namespaces[0].presence && h.namespaces[0].join_leave && h.namespaces[0].client_publish);
  EXPECT_EQ(h.namespaces[0].history_size, 10u);
  EXPECT_EQ(h.namespaces[0].history_ttl, std::chrono::minutes(1));
  EXPECT_TRUE(h.namespaces[1].latest_only);
  EXPECT_EQ(h.namespaces[1].history_size, 1u);
  EXPECT_EQ(h.namespaces[1].slow_consumer, SlowConsumer::skip_to_latest);
  EXPECT_TRUE(h.namespaces[2].anonymous);

  const auto& routes = c->route_tables.at("t");
  EXPECT_TRUE(std::holds_alternative<HubApiAction>(routes[0].action));
  const auto& a = std::get<HubAction>(routes[1].action);
  EXPECT_TRUE(a.deflate);
  EXPECT_FALSE(a.no_context_takeover);
  EXPECT_FALSE(std::get<HubAction>(routes[2].action).websocket);
  EXPECT_EQ(std::get<HubAction>(routes[3].action), HubAction{});

  // The dump carries the section (keys redacted) and loads again.
  auto j = nlohmann::json::parse(to_json(*c));
  EXPECT_EQ(j["hub"]["heartbeat"], "10s");
  EXPECT_EQ(j["hub"]["namespaces"][1]["slow_consumer"], "skip_to_latest");
  EXPECT_EQ(j["hub"]["api_keys"], nlohmann::json({"<redacted>"}));
  EXPECT_EQ(j["route_tables"]["t"][1]["hub"]["deflate"], true);
  auto again = load_string(j.dump(), "d.json");
  EXPECT_EQ(again->hub.namespaces, h.namespaces);
  EXPECT_EQ(again->hub.jwt, h.jwt);
  std::remove(secret);
}

TEST(ConfigHub, Errors) {
  EXPECT_EQ(error_of(with_hub("hub:\n  namespaces:\n    - {name: a}\n    - {name: a}\n")),
            "t.yaml:4:7: hub namespace 'a' is defined twice");
  EXPECT_EQ(error_of(with_hub("hub:\n  namespaces: [{name: 'a:b'}]\n")),
            "t.yaml:2:23: name: 'a:b' is not a namespace name (letters, digits, '_', '-', '.'; "
            "at most 64; \"\" is the default namespace)");
  EXPECT_EQ(error_of(with_hub("hub:\n  namespaces: [{name: a, join_leave: true}]\n")),
            "t.yaml:2:38: join_leave: needs presence: true in the same namespace");
  EXPECT_EQ(error_of(with_hub("hub:\n  namespaces: [{name: a, latest_only: true, history_size: 5}]\n")),
            "t.yaml:2:59: history_size: latest_only keeps one publication; leave history_size out (or 1)");
  EXPECT_EQ(error_of(with_hub("hub:\n  namespaces: [{name: a, slow_consumer: drop}]\n")),
            "t.yaml:2:41: slow_consumer: unknown value 'drop' (expected one of: disconnect, "
            "skip_to_latest)");
  EXPECT_EQ(error_of(with_hub("hub:\n  heartbeat: 0s\n")),
            "t.yaml:2:14: heartbeat: must be at least 100ms");
  EXPECT_EQ(error_of(with_hub("hub:\n  heartbeat: 30s\n  client_timeout: 20s\n")),
            "t.yaml:3:19: client_timeout: must be longer than heartbeat (clients answer the pings)");
  EXPECT_EQ(error_of(with_hub("hub:\n  out_queue: 8KiB\n  max_message: 16KiB\n")),
            "t.yaml:2:14: out_queue: must hold at least one message (>= max_message)");
  EXPECT_EQ(error_of(with_hub("hub:\n  api_keys: ['has space']\n")),
            "t.yaml:2:14: api_keys: a key is visible ASCII characters (no spaces), not empty");
  EXPECT_EQ(error_of(with_hub("hub:\n  jwt: {audience: a}\n")),
            "t.yaml:2:8: jwt: give at least one key (hs256_secret_file, rs256_public_key_file, "
            "es256_public_key_file)");
  EXPECT_EQ(error_of(with_hub("hub:\n  jwt: {hs256_secret_file: /nonexistent/x}\n")),
            "t.yaml:2:28: hs256_secret_file: cannot read '/nonexistent/x'");
  EXPECT_EQ(error_of(with_hub("hub:\n  bogus: 1\n")).rfind("t.yaml:2:3: unknown key 'bogus' in hub", 0), 0u);
  // Unknown top-level keys name "hub" only when the file uses it.
  EXPECT_EQ(error_of("listner: []\n").find("hub"), std::string::npos);
}

TEST(ConfigHub, RouteActionErrors) {
  EXPECT_EQ(error_of(with_hub("", "    - {hub_api: {}}\n")),
            "t.yaml:3:17: hub_api: needs hub.api_keys or hub.api_keys_file (the API takes an API key)");
  EXPECT_EQ(error_of(with_hub("", "    - {hub: {websocket: false, sse: false}}\n")),
            "t.yaml:3:13: hub: turn on at least one of websocket, sse");
  EXPECT_EQ(error_of(with_hub("", "    - {hub: {sse: true, websocket: false, deflate: true}}\n")),
            "t.yaml:3:52: deflate: only applies to websocket (which is off here)");
  EXPECT_EQ(error_of(with_hub("", "    - {hub: {}, respond: {}}\n")),
            "t.yaml:3:13: route: give exactly one action (proxy, respond, files, redirect, hub or "
            "hub_api)");
  EXPECT_EQ(error_of(with_hub("", "    - {hub: {x: 1}}\n")).rfind("t.yaml:3:14: unknown key 'x' in hub", 0),
            0u);
}

}  // namespace
}  // namespace strata::config

namespace strata::config {
namespace {

TEST(ConfigHubBroker, DefaultsLocal) {
  auto c = load_string(with_hub(""), "t.yaml");
  EXPECT_EQ(c->hub.broker, HubBroker{});
  EXPECT_EQ(c->hub.broker.type, HubBrokerType::local);
  EXPECT_EQ(c->hub.broker.prefix, "strata");
  EXPECT_EQ(c->hub.broker.partitions, 128u);
  EXPECT_EQ(c->hub.broker.presence_ttl, std::chrono::seconds(60));
  auto j = nlohmann::json::parse(to_json(*c));
  EXPECT_FALSE(j["hub"].contains("broker"));  // single-node dumps unchanged
}

TEST(ConfigHubBroker, ParsesLocalExplicitly) {
  auto c = load_string(with_hub("hub:\n  broker: {type: local, prefix: app1, partitions: 16, presence_ttl: 30s}\n"),
                       "t.yaml");
  EXPECT_EQ(c->hub.broker.type, HubBrokerType::local);
  EXPECT_EQ(c->hub.broker.prefix, "app1");
  EXPECT_EQ(c->hub.broker.partitions, 16u);
  EXPECT_EQ(c->hub.broker.presence_ttl, std::chrono::seconds(30));
}

TEST(ConfigHubBroker, RedisWithTheRedisSection) {
  auto c = load_string("redis: {addresses: ['127.0.0.1:6390']}\n" +
                           with_hub("hub:\n  broker: {type: redis, prefix: p1, partitions: 64}\n"),
                       "t.yaml");
  EXPECT_EQ(c->hub.broker.type, HubBrokerType::redis);
  EXPECT_EQ(c->hub.broker.partitions, 64u);
  ASSERT_TRUE(c->redis);
  // The dump carries both and loads again.
  auto again = load_string(to_json(*c), "d.json");
  EXPECT_EQ(again->hub.broker, c->hub.broker);
}

TEST(ConfigHubBroker, Errors) {
  // type redis needs the top-level redis: section; the error points at the type.
  EXPECT_EQ(error_of(with_hub("hub:\n  broker: {type: redis}\n")),
            "t.yaml:2:18: type: redis needs a top-level redis: section (addresses of the Redis servers)");
  EXPECT_EQ(error_of(with_hub("hub:\n  broker:\n    type: redis\n")),
            "t.yaml:3:11: type: redis needs a top-level redis: section (addresses of the Redis servers)");
  EXPECT_EQ(error_of(with_hub("hub:\n  broker: {type: kafka}\n")),
            "t.yaml:2:18: type: unknown value 'kafka' (expected one of: local, redis)");
  EXPECT_EQ(error_of(with_hub("hub:\n  broker: {partitions: 0}\n")).rfind("t.yaml:2:24: partitions", 0), 0u);
  EXPECT_EQ(error_of(with_hub("hub:\n  broker: {prefix: 'a{b'}\n")).rfind("t.yaml:2:20: prefix", 0), 0u);
  EXPECT_EQ(error_of(with_hub("hub:\n  broker: {presence_ttl: 1s}\n")).rfind("t.yaml:2:26: presence_ttl", 0), 0u);
  EXPECT_EQ(error_of(with_hub("hub:\n  broker: {bogus: 1}\n")).rfind("t.yaml:2:12: unknown key 'bogus' in broker", 0),
            0u);
}

}  // namespace
}  // namespace strata::config
