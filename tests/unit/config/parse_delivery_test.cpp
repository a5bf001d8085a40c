// A route's `early_hints:` and `priority:` (config/parse_early_hints.cpp,
// config/parse_priority.cpp): defaults, every key, shorthands, errors with
// file:line:column.
#include <gtest/gtest.h>

#include "config/loader.hpp"
#include "config_error.hpp"

namespace strata::config {
namespace {

std::string error_of(const std::string& yaml) { return strata::config_test::config_error(yaml, "no error"); }

// Line 3 is the route, line 4 the key under test (column 7 its name).
std::string route_with(const std::string& line) {
  return "route_tables:\n  t:\n    - respond: {body: x}\n      " + line +
         "\nlisteners: [{address: '127.0.0.1:0'}]\n";
}

const Route& first_route(const Config& c) { return c.route_tables.begin()->second.front(); }

TEST(ConfigEarlyHints, DefaultsRelayOnly) {
  auto c = load_string(route_with("match: {prefix: /}"), "t.yaml");
  const auto& e = first_route(*c).early_hints;
  EXPECT_TRUE(e.links.empty());
  EXPECT_TRUE(e.relay);
  EXPECT_FALSE(e.remember);
  EXPECT_EQ(e.remember_max_urls, 10'000u);
  EXPECT_FALSE(first_route(*c).priority.has_value());
}

TEST(ConfigEarlyHints, EveryKey) {
  auto c = load_string(route_with("early_hints: {links: ['</a.css>; rel=preload; as=style', "
                                  "'<https://cdn.example>; rel=preconnect'], relay: false, "
                                  "remember: true, remember_max_urls: 50}"),
                       "t.yaml");
  const auto& e = first_route(*c).early_hints;
  EXPECT_EQ(e.links, (std::vector<std::string>{"</a.css>; rel=preload; as=style",
                                               "<https://cdn.example>; rel=preconnect"}));
  EXPECT_FALSE(e.relay);
  EXPECT_TRUE(e.remember);
  EXPECT_EQ(e.remember_max_urls, 50u);
}

TEST(ConfigEarlyHints, SequenceIsLinks) {
  auto c = load_string(route_with("early_hints: ['</x.js>; rel=preload; as=script']"), "t.yaml");
  const auto& e = first_route(*c).early_hints;
  EXPECT_EQ(e.links, (std::vector<std::string>{"</x.js>; rel=preload; as=script"}));
  EXPECT_TRUE(e.relay);
}

TEST(ConfigEarlyHints, Errors) {
  EXPECT_EQ(error_of(route_with("early_hints: {links: ['/a.css; rel=preload']}")),
            "t.yaml:4:29: links: '/a.css; rel=preload' is not a Link field value "
            "(expected \"<uri>; rel=...\")");
  EXPECT_EQ(error_of(route_with("early_hints: {links: ['<>; rel=preload']}")),
            "t.yaml:4:29: links: '<>; rel=preload' is not a Link field value "
            "(expected \"<uri>; rel=...\")");
  EXPECT_EQ(error_of(route_with("early_hints: {linkz: []}")),
            "t.yaml:4:21: unknown key 'linkz' in early_hints (expected one of: links, relay, "
            "remember, remember_max_urls)");
  EXPECT_EQ(error_of(route_with("early_hints: {remember_max_urls: 0}")),
            "t.yaml:4:40: remember_max_urls: 0 is out of range [1, 1000000]");
  EXPECT_NE(error_of(route_with("early_hints: {relay: maybe}")).find("t.yaml:4:"),
            std::string::npos);
  EXPECT_NE(error_of(route_with("early_hints: 3")).find("t.yaml:4:20"), std::string::npos);
}

TEST(ConfigPriority, Names) {
  const std::pair<const char*, int> names[] = {{"high", 1}, {"normal", 3}, {"low", 5}, {"background", 7}};
  for (const auto& [name, u] : names) {
    auto c = load_string(route_with(std::string("priority: ") + name), "t.yaml");
    ASSERT_TRUE(first_route(*c).priority.has_value()) << name;
    EXPECT_EQ(first_route(*c).priority->urgency, u) << name;
    EXPECT_FALSE(first_route(*c).priority->incremental) << name;
  }
}

TEST(ConfigPriority, Mapping) {
  auto c = load_string(route_with("priority: {urgency: 0, incremental: true}"), "t.yaml");
  EXPECT_EQ(*first_route(*c).priority, (RoutePriority{0, true}));
  c = load_string(route_with("priority: {incremental: true}"), "t.yaml");
  EXPECT_EQ(*first_route(*c).priority, (RoutePriority{3, true}));
}

TEST(ConfigPriority, Errors) {
  EXPECT_EQ(error_of(route_with("priority: urgent")),
            "t.yaml:4:17: priority: unknown value 'urgent' (expected one of: high, normal, low, "
            "background)");
  EXPECT_EQ(error_of(route_with("priority: {urgency: 8}")),
            "t.yaml:4:27: urgency: 8 is out of range [0, 7]");
  EXPECT_EQ(error_of(route_with("priority: {weight: 3}")),
            "t.yaml:4:18: unknown key 'weight' in priority (expected one of: urgency, incremental)");
  EXPECT_NE(error_of(route_with("priority: {incremental: 2}")).find("t.yaml:4:"), std::string::npos);
}

}  // namespace
}  // namespace strata::config
