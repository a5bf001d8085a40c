// Internal: one function per top-level section of the config file. Each
// fills its part of Config from a YAML value and throws ConfigError with a
// location on the first problem. Called in dependency order by the loader:
// clusters before route_tables (proxy routes name clusters), route_tables
// before listeners (listeners name route tables).
#pragma once
#include <array>
#include <string>

#include "config/config.hpp"
#include "config/yaml_reader.hpp"

namespace strata::config::detail {

// One of `names` (an enum's YAML spellings, indexed by value), as the enum;
// the error reads like as_enum's ("what: unknown value 'x' (expected one
// of: a, b)") at the value's file:line:column.
template <class E, std::size_t N>
E parse_enum(const Doc& d, const Val& v, std::string_view what,
             const std::array<std::string_view, N>& names) {
  const auto s = as_string(d, v, what);
  std::string list;
  for (std::size_t i = 0; i < N; ++i) {
    if (names[i] == s) return static_cast<E>(i);
    list += (i ? ", " : "") + std::string(names[i]);
  }
  d.fail(v.loc, std::string(what) + ": unknown value '" + s + "' (expected one of: " + list + ")");
}

void parse_clusters(const Doc& d, const Val& v, Config& c);
void parse_route_tables(const Doc& d, const Val& v, Config& c);
void parse_listeners(const Doc& d, const Val& v, Config& c);
void parse_limits(const Doc& d, const Val& v, Limits& l);
void parse_timeouts(const Doc& d, const Val& v, Timeouts& t);

// The hub (parse_hub.cpp): the `hub:` section (before route_tables), the
// default namespace "" added when missing (after it), and the route actions.
void parse_hub(const Doc& d, const Val& v, Config& c);
void finish_hub(Config& c);
// After every section: hub.broker.type redis needs the `redis:` section
// (the error points at hub.broker.type).
void check_hub_broker(const Doc& d, const Val& root, const Config& c);
HubAction parse_hub_action(const Doc& d, const Val& v);
HubApiAction parse_hub_api_action(const Doc& d, const Val& v, const Config& c);

// The `redis:` section (parse_redis.cpp): before `hub:` (hub.broker needs it).
void parse_redis(const Doc& d, const Val& v, Config& c);

// Resilience sections (parse_resilience.cpp).
CircuitBreaker parse_circuit_breaker(const Doc& d, const Val& v);
ClusterLimits parse_cluster_limits(const Doc& d, const Val& v);
HealthCheck parse_health_check(const Doc& d, const Val& v);
OutlierDetection parse_outlier_detection(const Doc& d, const Val& v);
RetryBudget parse_retry_budget(const Doc& d, const Val& v);
ConnectFailure parse_connect_failure(const Doc& d, const Val& v);
RetryPolicy parse_retry(const Doc& d, const Val& v);
// `primary` is the route's own cluster (not allowed as a fallback).
Fallback parse_fallback(const Doc& d, const Val& v, const Config& c, const std::string& primary);

// Security (config/security.hpp, docs/security.md).
// parse_route_security.cpp: a route's `security:` and the key parts shared
// by rate limits and rules.
RouteSecurity parse_route_security(const Doc& d, const Val& v);
std::vector<KeyPart> parse_key(const Doc& d, const Val& v);
// parse_security_listener.cpp: a listener's `security:`; allow/deny lists.
ListenerSecurity parse_listener_security(const Doc& d, const Val& v);
IpAccess parse_ip_access(const Doc& d, const Val& v);
// parse_rate_limits.cpp: a route's `security.rate_limits:` list.
std::vector<RateLimit> parse_rate_limits(const Doc& d, const Val& v);
// After every section: `global: true` needs the `redis:` section.
void check_global_limits(const Doc& d, const Val& root, const Config& c);
// parse_rules.cpp: the top-level `security:` (rules with penalties).
void parse_security(const Doc& d, const Val& v, Config& c);
// parse_tls_auth.cpp: route JWT and HSTS; (listener tls.client_certificates
// and tls.ocsp_file are read by parse_listeners.cpp through these too).
RouteJwt parse_route_jwt(const Doc& d, const Val& v);
Hsts parse_hsts(const Doc& d, const Val& v);
ClientCertificates parse_client_certificates(const Doc& d, const Val& v);

// A RE2 pattern (compiled once to validate it) and a path or path prefix
// ("/..." without spaces, controls, '?' or '#'), for routes and rules
// (parse_routes.cpp).
std::string regex_value(const Doc& d, const Val& v, std::string_view what);
std::string path_value(const Doc& d, const Val& v, std::string_view what);

// A header name: an HTTP token, returned lower-cased; throws otherwise.
std::string header_name(const Doc& d, const Val& v, std::string_view what);
std::string header_name_text(const Doc& d, const Location& loc, std::string name,
                             std::string_view what);
// A header value: any scalar without CR, LF or NUL.
std::string header_value(const Doc& d, const Val& v, std::string_view what);
// A `filters:` list of a listener or route (parse_routes.cpp; docs/config.md).
std::vector<FilterConfig> parse_filters(const Doc& d, const Val& v);
// A route's `cache:` (parse_cache.cpp; docs/cache.md).
RouteCache parse_route_cache(const Doc& d, const Val& v);
// The top-level `cache:` storage (parse_cache_storage.cpp; docs/cache.md).
CacheStorage parse_cache_storage(const Doc& d, const Val& v);
// A route's `early_hints:` (parse_early_hints.cpp) and `priority:` (parse_priority.cpp).
EarlyHints parse_early_hints(const Doc& d, const Val& v);
RoutePriority parse_priority(const Doc& d, const Val& v);

// A `compression` filter's settings (parse_compression.cpp; docs/compression.md).
CompressionConfig parse_compression(const Doc& d, const Val& v);

}  // namespace strata::config::detail
