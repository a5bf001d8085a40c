// A route's security.rate_limits (config/parse_rate_limits.cpp).
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "config/loader.hpp"
#include "config_error.hpp"

namespace strata::config {
namespace {

using namespace std::chrono_literals;

std::string with_limits(const std::string& limits, const std::string& top = "") {
  return top + "route_tables:\n  t:\n    - name: api\n      respond: {}\n      security:\n        rate_limits:\n" +
         limits + "listeners:\n  - {name: web, address: 127.0.0.1:0, routes: t}\n";
}

std::string error_of(const std::string& yaml) { return strata::config_test::config_error(yaml); }

const std::vector<RateLimit>& limits_of(const std::shared_ptr<const Config>& c) {
  return c->route_tables.at("t").at(0).security.rate_limits;
}

TEST(ConfigRateLimits, Defaults) {
  auto c = load_string(with_limits("          - {rate: 10}\n"), "t.yaml");
  ASSERT_EQ(limits_of(c).size(), 1u);
  const RateLimit& l = limits_of(c)[0];
  RateLimit d;
  d.rate = 10;
  EXPECT_EQ(l, d);
  EXPECT_EQ(l.name, "");  // filled as "<route>#<index>" by the filter
  ASSERT_EQ(l.key.size(), 1u);
  EXPECT_EQ(l.key[0].kind, "client_prefix");
  EXPECT_EQ(l.ipv4_prefix, 24u);
  EXPECT_EQ(l.ipv6_prefix, 64u);
  EXPECT_EQ(l.status, 429);
}

TEST(ConfigRateLimits, ParsesEverything) {
  auto c = load_string(
      with_limits("          - name: per-client\n"
                  "            rate: 2.5\n"
                  "            per: 1m\n"
                  "            burst: 20\n"
                  "            key: [client_prefix, 'header:X-Tenant', 'cookie:sid', 'jwt:sub', route]\n"
                  "            ipv4_prefix: 16\n"
                  "            ipv6_prefix: 48\n"
                  "            dry_run: true\n"
                  "            max_keys: 5000\n"
                  "            status: 503\n"
                  "            global: true\n"
                  "            local_allowance: 0.25\n"
                  "          - {name: all, rate: 100, key: route}\n",
                  "redis: {addresses: ['127.0.0.1:6379']}\n"),
      "t.yaml");
  ASSERT_EQ(limits_of(c).size(), 2u);
  const RateLimit& l = limits_of(c)[0];
  EXPECT_EQ(l.name, "per-client");
  EXPECT_DOUBLE_EQ(l.rate, 2.5);
  EXPECT_EQ(l.per, 60s);
  EXPECT_EQ(l.burst, 20u);
  ASSERT_EQ(l.key.size(), 5u);
  EXPECT_EQ(l.key[1], (KeyPart{"header", "x-tenant"}));
  EXPECT_EQ(l.key[2], (KeyPart{"cookie", "sid"}));
  EXPECT_EQ(l.key[3], (KeyPart{"jwt", "sub"}));
  EXPECT_EQ(l.key[4], (KeyPart{"route", ""}));
  EXPECT_EQ(l.ipv4_prefix, 16u);
  EXPECT_EQ(l.ipv6_prefix, 48u);
  EXPECT_TRUE(l.dry_run);
  EXPECT_EQ(l.max_keys, 5000u);
  EXPECT_EQ(l.status, 503);
  EXPECT_TRUE(l.global);
  EXPECT_DOUBLE_EQ(l.local_allowance, 0.25);
  EXPECT_EQ(limits_of(c)[1].key, (std::vector<KeyPart>{{"route", ""}}));

  auto j = nlohmann::json::parse(to_json(*c));
  const auto& jl = j["route_tables"]["t"][0]["security"]["rate_limits"];
  ASSERT_EQ(jl.size(), 2u);
  EXPECT_EQ(jl[0]["name"], "per-client");
  EXPECT_EQ(jl[0]["key"][1], "header:x-tenant");
  EXPECT_EQ(jl[0]["global"], true);
}

TEST(ConfigRateLimits, Errors) {
  EXPECT_NE(error_of(with_limits("          - {burst: 3}\n")).find("missing required key 'rate'"),
            std::string::npos);
  EXPECT_NE(error_of(with_limits("          - {rate: 0}\n")).find("t.yaml:7:"), std::string::npos);
  EXPECT_NE(error_of(with_limits("          - {rate: 0}\n")).find("rate: 0 is out of range"),
            std::string::npos);
  EXPECT_NE(error_of(with_limits("          - {rate: -1}\n")).find("out of range"), std::string::npos);
  EXPECT_NE(error_of(with_limits("          - {rate: fast}\n")).find("expected a number"),
            std::string::npos);
  EXPECT_NE(error_of(with_limits("          - {rate: 1, ipv4_prefix: 33}\n")).find("ipv4_prefix"),
            std::string::npos);
  EXPECT_NE(error_of(with_limits("          - {rate: 1, ipv6_prefix: 0}\n")).find("ipv6_prefix"),
            std::string::npos);
  EXPECT_NE(error_of(with_limits("          - {rate: 1, local_allowance: 1.5}\n")).find("local_allowance"),
            std::string::npos);
  EXPECT_NE(error_of(with_limits("          - {rate: 1, status: 302}\n")).find("status: must be 4xx or 5xx"),
            std::string::npos);
  EXPECT_NE(error_of(with_limits("          - {rate: 1, key: 'bogus'}\n")).find("unknown part 'bogus'"),
            std::string::npos);
  EXPECT_NE(error_of(with_limits("          - {rate: 1, max_keys: 0}\n")).find("max_keys"),
            std::string::npos);
  EXPECT_NE(error_of(with_limits("          - {rate: 1, colour: red}\n")).find("colour"),
            std::string::npos);
  const auto dup = error_of(with_limits("          - {name: a, rate: 1}\n          - {name: a, rate: 2}\n"));
  EXPECT_NE(dup.find("t.yaml:8:"), std::string::npos) << dup;
  EXPECT_NE(dup.find("'a' is already used"), std::string::npos) << dup;
}

TEST(ConfigRateLimits, GlobalNeedsRedis) {
  const auto e = error_of(with_limits("          - {rate: 1}\n          - {rate: 1, global: true}\n"));
  EXPECT_NE(e.find("t.yaml:8:"), std::string::npos) << e;
  EXPECT_NE(e.find("global: true needs a top-level redis: section"), std::string::npos) << e;
  EXPECT_EQ(error_of(with_limits("          - {rate: 1, global: false}\n")), "");
}

}  // namespace
}  // namespace strata::config
