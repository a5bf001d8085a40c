// The top-level `security:` section: rules with penalties
// (config/parse_rules.cpp), with exact error locations, the source's two
// rules, and /config's JSON of them.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "config/loader.hpp"
#include "config_error.hpp"

namespace strata::config {
namespace {

using namespace std::chrono_literals;

// Line 1 "security:", line 2 "  rules:", the rules from line 3.
std::string with(const std::string& rules) {
  return "security:\n  rules:\n" + rules +
         "route_tables:\n  t:\n    - {respond: {}}\n"
         "listeners:\n  - {name: web, address: 127.0.0.1:0, routes: t}\n";
}

std::string error_of(const std::string& yaml) { return strata::config_test::config_error(yaml, "no error"); }

// "more than 50 new connections per IP per minute -> rate limit for an
// hour"; "0-RTT requests > 1000/hour with repeated request hashes -> block
// for two hours" (docs/security.md).
constexpr const char* kSourceRules = R"(    - name: connection-flood
      counter: new_connections
      key: client_ip
      window: 1m
      threshold: 50
      action: rate_limit
      penalty_rate: 10
      penalty_per: 1s
      penalty_burst: 20
      duration: 1h
    - name: early-data-replay
      counter: replayed_early_data
      key: client_ip
      window: 1h
      threshold: 1000
      action: block
      duration: 2h
)";

TEST(ConfigRules, AbsentMeansNone) {
  auto c = load_string("route_tables:\n  t:\n    - {respond: {}}\n"
                       "listeners:\n  - {name: web, address: 127.0.0.1:0, routes: t}\n",
                       "t.yaml");
  EXPECT_TRUE(c->security.rules.empty());
  EXPECT_FALSE(nlohmann::json::parse(to_json(*c)).contains("security"));
}

TEST(ConfigRules, TheSourcesTwoRules) {
  auto c = load_string(with(kSourceRules), "t.yaml");
  ASSERT_EQ(c->security.rules.size(), 2u);
  const auto& a = c->security.rules[0];
  EXPECT_EQ(a.name, "connection-flood");
  EXPECT_EQ(a.counter, "new_connections");
  EXPECT_EQ(a.key, (std::vector<KeyPart>{{"client_ip", ""}}));
  EXPECT_EQ(a.window, 60s);
  EXPECT_EQ(a.threshold, 50u);
  EXPECT_EQ(a.action, "rate_limit");
  EXPECT_EQ(a.penalty_rate, 10);
  EXPECT_EQ(a.penalty_burst, 20u);
  EXPECT_EQ(a.duration, 3600s);
  const auto& b = c->security.rules[1];
  EXPECT_EQ(b.counter, "replayed_early_data");
  EXPECT_EQ(b.window, 3600s);
  EXPECT_EQ(b.threshold, 1000u);
  EXPECT_EQ(b.action, "block");
  EXPECT_FALSE(b.block_close);
  EXPECT_EQ(b.duration, 7200s);
  // /config shows them in the shape the loader reads back.
  const auto json = to_json(*c);
  auto j = nlohmann::json::parse(json);
  EXPECT_EQ(j["security"]["rules"][1]["duration"], "2h");
  EXPECT_EQ(j["security"]["rules"][0]["key"][0], "client_ip");
  EXPECT_EQ(load_string(json, "back.json")->security, c->security);
}

TEST(ConfigRules, MatchAndOtherKeys) {
  auto c = load_string(with(R"(    - name: login
      threshold: 5
      key: [client_prefix, "header:X-User", "cookie:sid"]
      ipv4_prefix: 16
      ipv6_prefix: 48
      match: {prefix: /login, methods: [POST], headers: {user-agent: "bot.*"}}
      action: tarpit
      tarpit_delay: 2s
      max_keys: 10
      dry_run: true
)"),
                       "t.yaml");
  const auto& r = c->security.rules.at(0);
  EXPECT_EQ(r.counter, "requests");
  EXPECT_EQ(r.key[1], (KeyPart{"header", "x-user"}));
  EXPECT_EQ(r.ipv4_prefix, 16u);
  EXPECT_EQ(r.ipv6_prefix, 48u);
  EXPECT_EQ(r.match.prefix, "/login");
  EXPECT_EQ(r.match.methods, std::vector<std::string>{"POST"});
  ASSERT_EQ(r.match.headers.size(), 1u);
  EXPECT_EQ(r.match.headers[0].second, "bot.*");
  EXPECT_EQ(r.tarpit_delay, 2000ms);
  EXPECT_EQ(r.max_keys, 10u);
  EXPECT_TRUE(r.dry_run);
  EXPECT_EQ(load_string(to_json(*c), "back.json")->security, c->security);
}

TEST(ConfigRules, Errors) {
  EXPECT_EQ(error_of(with("    - {threshold: 1}\n")), "t.yaml:3:7: missing required key 'name' in rule");
  EXPECT_EQ(error_of(with("    - {name: a}\n")), "t.yaml:3:7: missing required key 'threshold' in rule");
  EXPECT_EQ(error_of(with("    - {name: a, threshold: 0}\n")).substr(0, 24), "t.yaml:3:28: threshold: ");
  EXPECT_EQ(error_of(with("    - {name: a, threshold: 1}\n    - {name: a, threshold: 2}\n")),
            "t.yaml:4:14: name: a rule named 'a' is already defined");
  EXPECT_EQ(error_of(with("    - {name: 'a b', threshold: 1}\n")),
            "t.yaml:3:14: name: 'a b' may only use letters, digits, '-', '_' and '.'");
  EXPECT_EQ(error_of(with("    - {name: a, threshold: 1, counter: hits}\n")),
            "t.yaml:3:40: counter: unknown value 'hits' (expected one of: requests, new_connections, "
            "early_data_requests, replayed_early_data, status_4xx, status_5xx, bytes)");
  EXPECT_EQ(error_of(with("    - {name: a, threshold: 1, action: ban}\n")),
            "t.yaml:3:39: action: unknown value 'ban' (expected one of: rate_limit, block, tarpit)");
  EXPECT_EQ(error_of(with("    - {name: a, threshold: 1, window: 0s}\n")),
            "t.yaml:3:39: window: must be greater than 0");
  EXPECT_EQ(error_of(with("    - {name: a, threshold: 1, duration: 0s}\n")),
            "t.yaml:3:41: duration: must be greater than 0");
  EXPECT_EQ(error_of(with("    - {name: a, threshold: 1, match: {regex: '(('}}\n")).substr(0, 48),
            "t.yaml:3:46: regex: invalid regular expression: ");
  EXPECT_EQ(error_of(with("    - {name: a, threshold: 1, match: {headers: {x-a: '[z'}}}\n")).substr(0, 40),
            "t.yaml:3:54: match headers: invalid regu");
  EXPECT_EQ(error_of(with("    - {name: a, threshold: 1, match: {path: /a, prefix: /b}}\n")),
            "t.yaml:3:57: match: use only one of path, prefix, regex");
  EXPECT_EQ(error_of(with("    - {name: a, threshold: 1, key: route}\n")).substr(0, 50),
            "t.yaml:3:36: key: 'route' is not known when rules ");
  EXPECT_EQ(error_of(with("    - {name: a, threshold: 1, counter: new_connections, key: 'header:x'}\n")),
            "t.yaml:3:62: key: a new_connections rule has no request: use client_prefix or client_ip");
  EXPECT_EQ(error_of(with("    - {name: a, threshold: 1, counter: new_connections, match: {path: /}}\n")),
            "t.yaml:3:64: match: a new_connections rule has no request to match");
  EXPECT_EQ(error_of(with("    - {name: a, threshold: 1, penalty_rate: 5}\n")),
            "t.yaml:3:45: penalty_rate: only for action rate_limit");
  EXPECT_EQ(error_of(with("    - {name: a, threshold: 1, action: rate_limit, penalty_rate: 0}\n")),
            "t.yaml:3:65: penalty_rate: must be greater than 0");
  EXPECT_EQ(error_of(with("    - {name: a, threshold: 1, action: tarpit, block_close: true}\n")),
            "t.yaml:3:60: block_close: only for action block");
  EXPECT_EQ(error_of(with("    - {name: a, threshold: 1, bogus: 1}\n")).substr(0, 35),
            "t.yaml:3:31: unknown key 'bogus' in");
}

}  // namespace
}  // namespace strata::config
