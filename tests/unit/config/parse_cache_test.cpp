// A route's `cache:` (config/parse_cache.cpp): defaults, every key, errors
// with file:line:column.
#include <gtest/gtest.h>

#include "config/loader.hpp"
#include "config_error.hpp"

namespace strata::config {
namespace {

std::string error_of(const std::string& yaml) { return strata::config_test::config_error(yaml, "no error"); }

// Line 1 "clusters:", line 2 the cluster, line 3 "route_tables:", line 4
// "  t:", line 5 the route, line 6 its cache.
std::string route(const std::string& cache) {
  return "clusters:\n  c: {endpoints: ['127.0.0.1:1']}\nroute_tables:\n  t:\n"
         "    - proxy: {cluster: c}\n      cache: " + cache +
         "\nlisteners: [{address: '127.0.0.1:0'}]\n";
}

const RouteCache& cache_of(const Config& c) { return *c.route_tables.begin()->second.front().cache; }

TEST(ConfigRouteCache, DefaultsFromNullOrEmpty) {
  for (const char* e : {"", "{}", "null"}) {
    auto c = load_string(route(e), "t.yaml");
    EXPECT_EQ(cache_of(*c), RouteCache{}) << e;
  }
  RouteCache d;
  EXPECT_TRUE(d.coalesce);
  EXPECT_EQ(d.name, "strata");
  EXPECT_FALSE(d.ttl);
}

TEST(ConfigRouteCache, EveryKey) {
  auto c = load_string(
      route("{ttl: 60s, heuristic: false, heuristic_max: 1h, vary: [Accept-Encoding],"
            " key: {headers: [X-Tenant], cookies: [Lang], client_prefix: true, query: false},"
            " stale_while_revalidate: 30s, stale_if_error: 1h, tags: [site, 'a:b'], private: true,"
            " coalesce: false, coalesce_timeout: 2s, max_object_bytes: 1MiB,"
            " strip_tag_headers: false, name: edge-1}"),
      "t.yaml");
  const auto& r = cache_of(*c);
  EXPECT_EQ(r.ttl, std::chrono::seconds(60));
  EXPECT_FALSE(r.heuristic);
  EXPECT_EQ(r.heuristic_max, std::chrono::hours(1));
  EXPECT_EQ(r.vary, (std::vector<std::string>{"accept-encoding"}));
  EXPECT_EQ(r.key.headers, (std::vector<std::string>{"x-tenant"}));
  EXPECT_EQ(r.key.cookies, (std::vector<std::string>{"Lang"}));
  EXPECT_TRUE(r.key.client_prefix);
  EXPECT_FALSE(r.key.query);
  EXPECT_EQ(r.stale_while_revalidate, std::chrono::seconds(30));
  EXPECT_EQ(r.stale_if_error, std::chrono::hours(1));
  EXPECT_EQ(r.tags, (std::vector<std::string>{"site", "a:b"}));
  EXPECT_TRUE(r.private_);
  EXPECT_FALSE(r.coalesce);
  EXPECT_EQ(r.coalesce_timeout, std::chrono::seconds(2));
  EXPECT_EQ(r.max_object_bytes, 1u << 20);
  EXPECT_FALSE(r.strip_tag_headers);
  EXPECT_EQ(r.name, "edge-1");
}

TEST(ConfigRouteCache, Errors) {
  EXPECT_EQ(error_of(route("{tll: 5s}")).substr(0, 10), "t.yaml:6:1");
  EXPECT_NE(error_of(route("{tll: 5s}")).find("tll"), std::string::npos);
  EXPECT_NE(error_of(route("{ttl: soon}")).find("t.yaml:6:20: ttl"), std::string::npos);
  EXPECT_NE(error_of(route("{vary: ['a b']}")).find("is not a valid name"), std::string::npos);
  EXPECT_NE(error_of(route("{vary: [a, A]}")).find("listed twice"), std::string::npos);
  EXPECT_NE(error_of(route("{name: 'x;y'}")).find("structured-field token"), std::string::npos);
  EXPECT_NE(error_of(route("{tags: ['a b']}")).find("no space or comma"), std::string::npos);
  EXPECT_NE(error_of(route("{coalesce_timeout: 0s}")).find("at least"), std::string::npos);
  EXPECT_NE(error_of(route("{key: {query: maybe}}")).find("query"), std::string::npos);
  EXPECT_NE(error_of(route("[]")).find("t.yaml:6:14"), std::string::npos);
}

}  // namespace
}  // namespace strata::config
