#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "config/loader.hpp"
#include "config_error.hpp"

namespace strata::config {
namespace {

std::string base(const std::string& cluster_extra, const std::string& proxy_extra = "") {
  return "clusters:\n"
         "  api:\n"
         "    endpoints:\n"
         "      - {address: 127.0.0.1:9001, priority: 0, region: eu}\n"
         "      - {address: 127.0.0.1:9002, priority: 1}\n" +
         cluster_extra +
         "  backup:\n"
         "    endpoints: [127.0.0.1:9003]\n"
         "route_tables:\n"
         "  main:\n"
         "    - name: r\n"
         "      proxy:\n"
         "        cluster: api\n" +
         proxy_extra +
         "listeners:\n"
         "  - {name: web, address: 127.0.0.1:0, routes: main}\n";
}

std::string error_of(const std::string& yaml) { return strata::config_test::config_error(yaml); }

TEST(ConfigResilience, DefaultsWhenAbsent) {
  auto c = load_string(base(""), "t.yaml");
  const auto& cl = c->clusters.at("api");
  EXPECT_FALSE(cl.circuit_breaker);
  EXPECT_FALSE(cl.health_check);
  EXPECT_FALSE(cl.outlier_detection);
  EXPECT_EQ(cl.limits.max_pending, 1024u);
  EXPECT_DOUBLE_EQ(cl.retry_budget.ratio, 0.2);
  EXPECT_EQ(cl.endpoints[0].priority, 0u);
  EXPECT_EQ(cl.endpoints[0].region, "eu");
  EXPECT_EQ(cl.endpoints[1].priority, 1u);
  const auto& p = std::get<ProxyAction>(c->route_tables.at("main")[0].action);
  EXPECT_EQ(p.route, "r");
  EXPECT_FALSE(p.retry);
  EXPECT_FALSE(p.fallback);
}

TEST(ConfigResilience, AllClusterKeys) {
  auto c = load_string(base("    lb: ewma\n"
                            "    circuit_breaker:\n"
                            "      failure_ratio: 0.6\n"
                            "      window: 2s\n"
                            "      min_requests: 5\n"
                            "      consecutive_failures: 4\n"
                            "      open_duration: 500ms\n"
                            "      half_open_probes: 1\n"
                            "      close_after: 2\n"
                            "      failure_on: [connect_error, 5xx, 429]\n"
                            "      per_endpoint: true\n"
                            "    limits: {max_connections: 10, max_pending: 0, pending_timeout: 50ms,"
                            " max_requests: 8, max_retries: 2}\n"
                            "    health_check: {type: http, path: /healthz, expect_statuses: [200, 204],"
                            " interval: 1s, jitter: 100ms, timeout: 200ms, rise: 1, fall: 2}\n"
                            "    outlier_detection: {consecutive_errors: 3, base_ejection: 1s,"
                            " max_ejection: 10s, max_ejected_percent: 34}\n"
                            "    retry_budget: {ratio: 0.5, min_concurrent: 1}\n"),
                       "t.yaml");
  const auto& cl = c->clusters.at("api");
  EXPECT_EQ(cl.lb, LbPolicy::ewma);
  ASSERT_TRUE(cl.circuit_breaker);
  const auto& b = *cl.circuit_breaker;
  EXPECT_DOUBLE_EQ(b.failure_ratio, 0.6);
  EXPECT_EQ(b.window, Duration(2000));
  EXPECT_EQ(b.min_requests, 5u);
  EXPECT_EQ(b.consecutive_failures, 4u);
  EXPECT_EQ(b.open_duration, Duration(500));
  EXPECT_EQ(b.half_open_probes, 1u);
  EXPECT_EQ(b.close_after, 2u);
  EXPECT_TRUE(b.on_connect_error);
  EXPECT_FALSE(b.on_timeout);
  EXPECT_FALSE(b.on_reset);
  EXPECT_TRUE(b.on_5xx);
  EXPECT_EQ(b.statuses, std::vector<int>{429});
  EXPECT_TRUE(b.per_endpoint);
  EXPECT_EQ(cl.limits.max_connections, 10u);
  EXPECT_EQ(cl.limits.max_pending, 0u);
  EXPECT_EQ(cl.limits.pending_timeout, Duration(50));
  EXPECT_EQ(cl.limits.max_requests, 8u);
  EXPECT_EQ(cl.limits.max_retries, 2u);
  ASSERT_TRUE(cl.health_check);
  EXPECT_EQ(cl.health_check->path, "/healthz");
  EXPECT_EQ(cl.health_check->expect_statuses, (std::vector<int>{200, 204}));
  EXPECT_EQ(cl.health_check->interval, Duration(1000));
  EXPECT_EQ(cl.health_check->jitter, Duration(100));
  EXPECT_EQ(cl.health_check->timeout, Duration(200));
  EXPECT_EQ(cl.health_check->rise, 1u);
  EXPECT_EQ(cl.health_check->fall, 2u);
  ASSERT_TRUE(cl.outlier_detection);
  EXPECT_EQ(cl.outlier_detection->consecutive_errors, 3u);
  EXPECT_EQ(cl.outlier_detection->max_ejected_percent, 34u);
  EXPECT_DOUBLE_EQ(cl.retry_budget.ratio, 0.5);
  EXPECT_EQ(cl.retry_budget.min_concurrent, 1u);
  // Round-trips into the admin JSON.
  auto js = to_json(*c);
  EXPECT_NE(js.find("\"circuit_breaker\""), std::string::npos);
  EXPECT_NE(js.find("\"priority\""), std::string::npos);
}

TEST(ConfigResilience, HealthCheckDefaults) {
  auto c = load_string(base("    health_check: {type: tcp}\n"), "t.yaml");
  const auto& h = *c->clusters.at("api").health_check;
  EXPECT_EQ(h.type, HealthCheckType::tcp);
  EXPECT_EQ(h.interval, Duration(30000));
  EXPECT_EQ(h.fall, 3u);
}

TEST(ConfigResilience, RouteRetryAndFallback) {
  auto c = load_string(base("",
                            "        retry:\n"
                            "          retry_on: [connect-failure, 5xx, 429]\n"
                            "          max_attempts: 3\n"
                            "          per_try_timeout: 300ms\n"
                            "          backoff_base: 10ms\n"
                            "          backoff_max: 100ms\n"
                            "          allow_non_idempotent: true\n"
                            "        fallback:\n"
                            "          clusters: [backup]\n"
                            "          last_known_good: {ttl: 5m, max_entries: 10, max_bytes: 1MiB}\n"
                            "          static: {status: 503, body: sorry, content_type: text/html}\n"),
                       "t.yaml");
  const auto& p = std::get<ProxyAction>(c->route_tables.at("main")[0].action);
  ASSERT_TRUE(p.retry);
  EXPECT_TRUE(p.retry->on_connect_failure);
  EXPECT_FALSE(p.retry->on_reset);
  EXPECT_FALSE(p.retry->on_gateway_error);
  EXPECT_TRUE(p.retry->on_5xx);
  EXPECT_EQ(p.retry->statuses, std::vector<int>{429});
  EXPECT_EQ(p.retry->max_attempts, 3u);
  EXPECT_EQ(p.retry->per_try_timeout, Duration(300));
  EXPECT_TRUE(p.retry->allow_non_idempotent);
  ASSERT_TRUE(p.fallback);
  EXPECT_EQ(p.fallback->clusters, std::vector<std::string>{"backup"});
  ASSERT_TRUE(p.fallback->last_known_good);
  EXPECT_EQ(p.fallback->last_known_good->ttl, Duration(300000));
  EXPECT_EQ(p.fallback->last_known_good->max_bytes, 1u << 20);
  ASSERT_TRUE(p.fallback->static_response);
  EXPECT_EQ(p.fallback->static_response->body, "sorry");
}

TEST(ConfigResilience, LastKnownGoodWithoutSettings) {
  auto c = load_string(base("", "        fallback: {last_known_good: }\n"), "t.yaml");
  const auto& p = std::get<ProxyAction>(c->route_tables.at("main")[0].action);
  ASSERT_TRUE(p.fallback && p.fallback->last_known_good);
  EXPECT_EQ(p.fallback->last_known_good->ttl, Duration(60000));
}

TEST(ConfigResilience, ErrorsNameTheLocation) {
  // cluster_extra starts on line 6.
  EXPECT_EQ(error_of(base("    circuit_breaker: {failure_ratio: 1.5}\n")),
            "t.yaml:6:38: failure_ratio: 1.5 is out of range [0, 1]");
  EXPECT_NE(error_of(base("    circuit_breaker: {failure_on: [teapot]}\n")).find(
                "t.yaml:6:36: failure_on: unknown value 'teapot'"),
            std::string::npos);
  EXPECT_NE(error_of(base("    limits: {max_request: 3}\n")).find("t.yaml:6:14: unknown key 'max_request'"),
            std::string::npos);
  EXPECT_NE(error_of(base("    health_check: {type: tcp, path: /x}\n")).find(
                "path: only used with 'type: http'"),
            std::string::npos);
  EXPECT_NE(error_of(base("    health_check: {interval: 1s, timeout: 2s}\n")).find("timeout: must not exceed"),
            std::string::npos);
  EXPECT_NE(error_of(base("    outlier_detection: {base_ejection: 10s, max_ejection: 1s}\n")).find(
                "max_ejection: must be at least base_ejection"),
            std::string::npos);
  EXPECT_NE(error_of(base("    lb: fastest\n")).find("lb: unknown value 'fastest'"), std::string::npos);
  EXPECT_NE(error_of(base("", "        retry: {max_attempts: 0}\n")).find("max_attempts: 0 is out of range"),
            std::string::npos);
  EXPECT_NE(error_of(base("", "        retry: {retry_on: [sometimes]}\n")).find("retry_on: unknown value"),
            std::string::npos);
  EXPECT_NE(error_of(base("", "        fallback: {clusters: [nope]}\n")).find(
                "clusters: no cluster named 'nope'"),
            std::string::npos);
  EXPECT_NE(error_of(base("", "        fallback: {clusters: [api]}\n")).find("its own fallback"),
            std::string::npos);
  EXPECT_NE(error_of(base("", "        fallback: {}\n")).find("give at least one of"), std::string::npos);
  EXPECT_NE(error_of(base("", "        fallback: {static: {status: 99}}\n")).find("status: 99 is out of range"),
            std::string::npos);
  EXPECT_NE(error_of("clusters:\n  a:\n    endpoints:\n      - {address: 127.0.0.1:1, priority: 99}\n")
                .find("priority: 99 is out of range [0, 15]"),
            std::string::npos);
  EXPECT_NE(error_of("clusters:\n  a:\n    endpoints:\n      - {address: 127.0.0.1:1, priority: 99}\n")
                .find("t.yaml:4:"),
            std::string::npos);
}

TEST(ConfigResilience, ConnectFailureDefaultsOnAndConfigurable) {
  auto c = load_string(base(""), "t.yaml");
  const auto& d = c->clusters.at("api").connect_failure;
  EXPECT_TRUE(d.retry);
  EXPECT_EQ(d.skip_after, 2u);
  EXPECT_EQ(d.skip_for, std::chrono::seconds(10));
  const auto j = nlohmann::json::parse(to_json(*c));
  EXPECT_EQ(j["clusters"]["api"]["connect_failure"],
            nlohmann::json({{"retry", true}, {"skip_after", 2}, {"skip_for", "10s"}}));
  auto off = load_string(base("    connect_failure: {retry: false, skip_after: 0, skip_for: 2s}\n"),
                         "t.yaml");
  const auto& o = off->clusters.at("api").connect_failure;
  EXPECT_FALSE(o.retry);
  EXPECT_EQ(o.skip_after, 0u);
  EXPECT_EQ(o.skip_for, std::chrono::seconds(2));
  // The effective config loads back to the same values.
  auto again = load_string(to_json(*off), "t.json");
  EXPECT_EQ(again->clusters.at("api").connect_failure, o);
  EXPECT_EQ(error_of(base("    connect_failure: {retry: maybe}\n")).substr(0, 12), "t.yaml:6:30:");
  EXPECT_EQ(error_of(base("    connect_failure: {skip_for: 0s}\n")).substr(0, 12), "t.yaml:6:33:");
  EXPECT_NE(error_of(base("    connect_failure: {tries: 3}\n")).find("tries"), std::string::npos);
}

}  // namespace
}  // namespace strata::config
