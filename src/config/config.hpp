// The validated, immutable configuration snapshot. Built by config/loader
// from YAML; shared as std::shared_ptr<const Config>; swapped atomically on
// reload while in-flight requests keep the snapshot they started with.
// Plain data only: no I/O handles, no compiled regexes (router/ and
// upstream/ compile what they need from it, per worker).
#pragma once
#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "config/cache.hpp"
#include "config/compression.hpp"
#include "config/delivery.hpp"
#include "config/hub.hpp"
#include "config/redis.hpp"
#include "config/security.hpp"
#include "config/upstream_enums.hpp"

namespace strata::config {

using Duration = std::chrono::milliseconds;
using namespace std::chrono_literals;

// Where a value came from, for error messages ("file:line:column").
struct Location {
  std::string file;
  int line = 0;    // 1-based; 0 = unknown
  int column = 0;  // 1-based
};

struct TlsCertificate {
  std::string cert_file;                  // PEM chain; relative paths resolved against the config file's dir
  std::string key_file;                   // PEM key
  std::vector<std::string> server_names;  // SNI names ("*.example.com" ok); empty = default
};

struct Tls {
  std::vector<TlsCertificate> certificates;  // first one is the default
  bool self_signed = false;        // generate one into state_dir if no certificates
  std::string min_version = "1.2";  // "1.2" | "1.3"
  std::string max_version = "1.3";
  std::string ciphers;       // TLS 1.2 list, OpenSSL syntax; "" = OpenSSL default
  std::string ciphersuites;  // TLS 1.3 list; "" = OpenSSL default
  std::string groups;        // e.g. "X25519:P-256"; "" = default
  bool session_tickets = true;
  Duration ticket_key_rotation = 12h;  // keys kept for 2 rotations
  ClientCertificates client_certificates;  // mTLS (config/security.hpp)
  std::string ocsp_file;          // DER OCSP response stapled for the default certificate ("" = none)
};

// HTTP/3 over QUIC on a TLS listener that lists "h3" (docs/http3.md). The
// UDP port is the listener's port; certificates are the listener's.
struct Quic {
  std::string retry = "under-load";          // never | always | under-load
  std::uint32_t retry_threshold = 256;       // handshakes in flight per worker before under-load Retry
  Duration handshake_timeout = 10s;
  Duration idle_timeout = 30s;
  // While draining (SIGTERM, reload), a connection that went this many
  // probe timeouts in a row without an ACK is closed: its client is gone
  // (vanished without CONNECTION_CLOSE) and would hold the drain until
  // idle_timeout. 0 = wait for idle_timeout.
  std::uint32_t drain_probe_timeouts = 3;
  std::uint32_t max_streams_bidi = 100;      // concurrent request streams per connection
  std::uint64_t stream_window = 1024 * 1024; // initial receive window per stream
  std::uint64_t connection_window = 16 * 1024 * 1024;
  std::string congestion = "bbr2";           // bbr2 | cubic | bbr | reno (docs/config.md)
  std::string qlog_dir;                      // "" = no qlog
  bool early_data = true;                    // accept 0-RTT (safe methods unless the route opts in)
  Duration replay_window = 10s;              // 0-RTT replay guard memory
  std::uint32_t replay_cache_entries = 100000;
  Duration token_lifetime = 24h;             // NEW_TOKEN tokens
  Duration retry_token_lifetime = 10s;
  std::uint32_t max_connections_per_source = 256;  // per /ipv4_prefix or /ipv6_prefix; 0 = off
  std::uint32_t ipv4_prefix = 24;
  std::uint32_t ipv6_prefix = 64;
  double handshakes_per_second = 100;        // per source prefix; 0 = off
  std::uint32_t handshake_burst = 200;
  std::uint32_t alt_svc_max_age = 86400;     // seconds, in Alt-Svc over TCP
  bool gso = true;                           // UDP GSO for output when the kernel has it
};

using HeaderList = std::vector<std::pair<std::string, std::string>>;

// Edits of a `headers` filter (docs/config.md "Filters"): on the request
// and on the response head, the listed fields are removed, then the added
// ones set (replacing any value).
struct HeaderEdits {
  HeaderList request_add;
  std::vector<std::string> request_remove;
  HeaderList response_add;
  std::vector<std::string> response_remove;
};

// One entry of a listener's or a route's `filters:` list, in order.
struct FilterConfig {
  std::string type;        // "headers" | "compression"
  HeaderEdits headers;     // type "headers"
  CompressionConfig compression;  // type "compression" (config/compression.hpp)
  Location loc;
};

struct Listener {
  std::string name;      // default "listener<index>"; unique
  std::string address;   // canonical IP:port, e.g. "0.0.0.0:8080", "[::]:8443" (dual-stack), "127.0.0.1:0"
  std::optional<Tls> tls;
  std::vector<std::string> protocols;  // subset of h1,h2,h2c,h3; default h1+h2c plain, h1+h2 TLS
  std::string routes;    // name of a route table (default: the only table)
  bool alt_svc = true;   // advertise h3 over TCP when h3 is on
  Quic quic;             // used when protocols has h3
  std::vector<FilterConfig> filters;  // request edits run before routing (docs/config.md)
  ListenerSecurity security;  // client address, allow/deny, connection limits (config/security.hpp)
  Location loc;

  bool has(std::string_view proto) const {
    for (const auto& p : protocols)
      if (p == proto) return true;
    return false;
  }
};

struct HeaderMatch {
  std::string name;                    // lower-case
  std::optional<std::string> exact;    // value equals
  std::optional<std::string> prefix;   // value starts with
  std::optional<std::string> regex;    // RE2, full match
  bool present = true;                 // false: header must be absent
};

struct Match {
  std::vector<std::string> hosts;      // "example.com", "*.example.com"; empty = any
  std::optional<std::string> path;     // exact
  std::optional<std::string> prefix;   // path prefix
  std::optional<std::string> regex;    // RE2, full match on the path
  std::vector<std::string> methods;    // empty = any
  std::vector<HeaderMatch> headers;
};

// Route retries (docs/resilience.md). retry_on words: connect-failure,
// refused-stream, reset, gateway-error (502/503/504), 5xx, plus statuses.
struct RetryPolicy {
  bool on_connect_failure = true;
  bool on_refused_stream = true;
  bool on_reset = true;
  bool on_gateway_error = true;
  bool on_5xx = false;
  std::vector<int> statuses;             // extra statuses that are retried
  std::uint32_t max_attempts = 2;        // first try included; [1, 10]
  std::optional<Duration> per_try_timeout;
  Duration backoff_base = 25ms;          // full jitter, base * 2^n capped at max
  Duration backoff_max = 250ms;
  bool allow_non_idempotent = false;     // POST/PATCH retried too when true
};

// Graceful degradation tiers after the primary cluster fails (or its
// breaker is open): secondary clusters in order, then a last-known-good
// copy of an earlier 200 response to GET, then a static response.
struct LastKnownGood {
  Duration ttl = 60s;
  std::uint32_t max_entries = 1000;       // per route (all workers: kept in the cache store)
  std::uint64_t max_bytes = 16ull << 20;  // per route (bodies + heads; an item over max_bytes/4 is not kept)
};

struct StaticFallback {
  int status = 503;
  std::string body;
  std::string content_type = "text/plain; charset=utf-8";
};

struct Fallback {
  std::vector<std::string> clusters;      // secondary tiers, tried in order
  std::optional<LastKnownGood> last_known_good;
  std::optional<StaticFallback> static_response;  // YAML key "static"
};

struct ProxyAction {
  std::string cluster;
  std::string route;                        // owning route's name (set by the loader)
  std::optional<RetryPolicy> retry;         // none: only a stale pooled connection and (cluster
                                            // connect_failure) a failed connect are resent
  std::optional<Fallback> fallback;
  std::optional<Duration> timeout;          // whole route; default timeouts.route
  std::optional<Duration> per_try_timeout;  // default: none beyond timeout
  std::optional<std::string> prefix_rewrite;  // replaces the matched prefix
  std::optional<std::string> host_rewrite;    // Host / :authority to upstream
};

struct RespondAction {
  int status = 200;
  std::string body;
  std::string content_type = "text/plain; charset=utf-8";
};

struct FilesAction {
  std::string root;                 // directory served
  std::string index = "index.html";
  bool strip_prefix = true;         // strip the route's prefix before mapping
};

struct RedirectAction {
  int status = 301;                 // 301, 302, 303, 307, 308
  std::optional<std::string> scheme;
  std::optional<std::string> host;
  std::optional<std::uint16_t> port;
  std::optional<std::string> path;  // replaces the whole path
  bool keep_query = true;
};

using Action = std::variant<ProxyAction, RespondAction, FilesAction, RedirectAction, HubAction,
                            HubApiAction>;

struct Route {
  std::string name;                 // "" -> "<table>#<index>"
  Match match;
  Action action;
  HeaderList request_headers_add;   // set on the request before the action
  std::vector<std::string> request_headers_remove;
  HeaderList response_headers_add;
  std::vector<std::string> response_headers_remove;
  bool early_data = false;          // unsafe methods allowed in 0-RTT (else 425 Too Early)
  std::vector<FilterConfig> filters;  // after the header edits above (docs/config.md)
  RouteSecurity security;  // access, client subject, JWT, rate limits, HSTS (config/security.hpp)
  std::optional<RouteCache> cache;        // edge cache policy (config/cache.hpp); proxy routes only
  EarlyHints early_hints{};                // 103 Early Hints (config/delivery.hpp)
  std::optional<RoutePriority> priority;   // default RFC 9218 priority (config/delivery.hpp)
  // Plain CONNECT (RFC 9110 9.3.6) targets this route tunnels to, canonical
  // "host:port"; empty (default): CONNECT gets 405.
  std::vector<std::string> connect;
  Location loc;
};

struct Endpoint {
  std::string host;        // IPv4, IPv6 (no brackets) or DNS name
  std::uint16_t port = 0;
  std::uint32_t weight = 1;
  std::uint32_t priority = 0;  // 0 = preferred; traffic spills to 1, 2... as 0 loses health
  std::string region;          // free-form label (admin/metrics only)
  Location loc;
};

struct HashOn {
  enum class Kind { header, cookie, client_address } kind = Kind::client_address;
  std::string name;        // header or cookie name
};

// Circuit breaker (docs/resilience.md); defaults from topic 12.
struct CircuitBreaker {
  double failure_ratio = 0.5;
  Duration window = 10s;
  std::uint32_t min_requests = 20;
  std::uint32_t consecutive_failures = 0;  // 0 = only the ratio rule
  Duration open_duration = 30s;
  std::uint32_t half_open_probes = 3;
  std::uint32_t close_after = 3;
  // failure_on: connect_error, timeout, reset, 5xx, and listed statuses.
  bool on_connect_error = true;
  bool on_timeout = true;
  bool on_reset = true;
  bool on_5xx = true;
  std::vector<int> statuses;
  bool per_endpoint = false;  // one breaker per endpoint instead of per cluster
  bool operator==(const CircuitBreaker&) const = default;
};

// Bulkhead limits, per cluster per worker. Overflow -> 503 + x-strata-reason.
struct ClusterLimits {
  std::uint32_t max_connections = 4096;  // open upstream connections (all endpoints)
  std::uint32_t max_pending = 1024;      // requests queued for a request slot
  Duration pending_timeout = 1s;         // queued longer -> 503
  std::uint32_t max_requests = 4096;     // concurrent requests
  std::uint32_t max_retries = 64;        // concurrent retries
  bool operator==(const ClusterLimits&) const = default;
};

struct HealthCheck {
  HealthCheckType type = HealthCheckType::http;  // http | tcp
  std::string path = "/";                // http: GET path
  std::vector<int> expect_statuses;      // empty = any 2xx/3xx
  Duration interval = 30s;
  Duration jitter = 0ms;                 // up to this much added to each interval
  Duration timeout = 2s;
  std::uint32_t rise = 2;                // passes to mark up
  std::uint32_t fall = 3;                // failures to mark down
  bool operator==(const HealthCheck&) const = default;
};

struct OutlierDetection {
  std::uint32_t consecutive_errors = 5;  // 5xx / gateway errors in a row
  Duration base_ejection = 30s;          // x number of ejections
  Duration max_ejection = 300s;
  std::uint32_t max_ejected_percent = 50;
  bool operator==(const OutlierDetection&) const = default;
};

// What happens after a try could not connect (refused, unreachable, TLS
// handshake failed, connect timed out): nothing of the request was sent, so
// it is safe to send it elsewhere whatever its method. On for every cluster
// unless turned off (docs/resilience.md, "Connect failures").
struct ConnectFailure {
  bool retry = true;                     // resend to an endpoint not tried yet (any method)
  std::uint32_t skip_after = 2;          // consecutive connect failures that skip an endpoint; 0 = never
  Duration skip_for = 10s;               // how long a worker skips it
  bool operator==(const ConnectFailure&) const = default;
};

struct RetryBudget {
  double ratio = 0.2;                    // retries <= ratio x active requests
  std::uint32_t min_concurrent = 3;      // always allowed
  bool operator==(const RetryBudget&) const = default;
};

struct Cluster {
  std::string name;
  UpstreamProtocol protocol = UpstreamProtocol::h1;  // h1 | h2 (TLS, ALPN h2) | h2c (prior knowledge)
  LbPolicy lb = LbPolicy::round_robin;  // round_robin | least_request | ring_hash | random | ewma
  std::optional<HashOn> hash_on;     // ring_hash key; default client address
  std::vector<Endpoint> endpoints;
  bool tls = false;                  // TLS to the upstream (implied by protocol h2)
  std::string sni;                   // default: endpoint host
  bool tls_verify = false;           // verify upstream certificates against system roots
  Duration connect_timeout = 2s;
  Duration idle_timeout = 60s;       // pooled connection idle time
  Duration dns_refresh = 30s;        // re-resolve DNS names this often
  std::uint32_t max_idle_per_endpoint = 128;  // h1 pool, per worker
  std::uint32_t max_connections_per_endpoint = 1024;  // per worker
  std::uint32_t h2_max_streams_per_connection = 100;
  std::uint32_t ring_size = 1024;    // virtual nodes per endpoint weight unit... ring entries
  std::optional<CircuitBreaker> circuit_breaker;    // none: no breaker
  ClusterLimits limits;
  std::optional<HealthCheck> health_check;          // none: no active checks
  std::optional<OutlierDetection> outlier_detection;  // none: no passive ejection
  RetryBudget retry_budget;
  ConnectFailure connect_failure;    // on by default
  std::string proxy_protocol = "off";  // off | v1 | v2: PROXY header on each upstream connection (the client address)
  Location loc;
};

struct Limits {
  std::uint32_t max_request_line = 8 * 1024;      // 414 beyond
  std::uint32_t max_header_bytes = 32 * 1024;     // 431 beyond (h1 head, h2 header list)
  std::uint32_t max_headers = 100;                // 431 beyond
  std::uint64_t max_body = 64ull * 1024 * 1024;   // 413 beyond
  std::uint32_t max_connections = 20000;          // per process, downstream
  std::uint32_t h2_max_concurrent_streams = 128;
  std::uint32_t h2_initial_window = 1024 * 1024;  // per stream
  std::uint32_t h2_connection_window = 16 * 1024 * 1024;
  std::uint32_t h2_max_frame_size = 16384;
  std::uint32_t h2_max_resets_per_second = 100;   // rapid reset guard
  std::uint32_t h2_max_control_frames_per_second = 1000;  // SETTINGS/PING flood guard
  std::uint32_t h2_max_continuations = 32;        // CONTINUATION flood guard
  bool h2_extended_connect = true;                // SETTINGS_ENABLE_CONNECT_PROTOCOL (RFC 8441)
  std::uint32_t stream_buffer = 256 * 1024;       // buffered response bytes per stream
  std::uint32_t send_batch_bytes = 64 * 1024;     // per worker: small writes gathered into one io_uring_enter (0: off)
};

struct Timeouts {
  Duration header = 10s;        // whole request head must arrive (slowloris)
  Duration idle = 60s;          // keep-alive idle connection
  Duration body_idle = 30s;     // no request body progress
  Duration route = 60s;         // default proxy route timeout
  Duration drain = 30s;         // SIGTERM: in-flight requests may finish for this long
  Duration tls_handshake = 10s;
};

struct AccessLog {
  bool enabled = false;
  std::string path = "-";        // "-" = stdout
  std::string format = "json";   // json | combined
};

struct Admin {
  std::string address = "127.0.0.1:9901";
  AdminAuth auth;  // required on a non-loopback address (config/security.hpp)
};

struct Config {
  std::uint32_t workers = 0;     // 0 = number of cores
  std::vector<Listener> listeners;
  std::optional<Admin> admin;
  std::map<std::string, std::vector<Route>> route_tables;
  std::map<std::string, Cluster> clusters;
  Limits limits;
  Timeouts timeouts;
  AccessLog access_log;
  HubConfig hub;                  // the pub/sub hub (config/hub.hpp, docs/hub.md)
  std::optional<RedisConfig> redis;  // `redis:` (config/redis.hpp); none = no Redis
  SecurityConfig security;        // rules with penalties (config/security.hpp, docs/security.md)
  CacheStorage cache;             // the edge cache's store (config/cache.hpp, docs/cache.md)
  std::string state_dir;          // generated certificates etc.; default $STRATA_STATE_DIR, else ~/.local/state/strata
  std::string source;             // file path, or "<embedded>"
};

}  // namespace strata::config
