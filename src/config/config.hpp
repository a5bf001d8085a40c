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
};

struct Listener {
  std::string name;      // default "listener<index>"; unique
  std::string address;   // canonical IP:port, e.g. "0.0.0.0:8080", "[::]:8443" (dual-stack), "127.0.0.1:0"
  std::optional<Tls> tls;
  std::vector<std::string> protocols;  // subset of h1,h2,h2c,h3; default h1+h2c plain, h1+h2 TLS
  std::string routes;    // name of a route table (default: the only table)
  bool alt_svc = true;   // advertise h3 over TCP when h3 is on
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

using HeaderList = std::vector<std::pair<std::string, std::string>>;

struct ProxyAction {
  std::string cluster;
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

using Action = std::variant<ProxyAction, RespondAction, FilesAction, RedirectAction>;

struct Route {
  std::string name;                 // "" -> "<table>#<index>"
  Match match;
  Action action;
  HeaderList request_headers_add;   // set on the request before the action
  std::vector<std::string> request_headers_remove;
  HeaderList response_headers_add;
  std::vector<std::string> response_headers_remove;
  Location loc;
};

struct Endpoint {
  std::string host;        // IPv4, IPv6 (no brackets) or DNS name
  std::uint16_t port = 0;
  std::uint32_t weight = 1;
  Location loc;
};

struct HashOn {
  enum class Kind { header, cookie, client_address } kind = Kind::client_address;
  std::string name;        // header or cookie name
};

struct Cluster {
  std::string name;
  std::string protocol = "h1";       // h1 | h2 (TLS, ALPN h2) | h2c (prior knowledge)
  std::string lb = "round_robin";    // round_robin | least_request | ring_hash | random
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
  std::uint32_t stream_buffer = 256 * 1024;       // buffered response bytes per stream
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
  std::string state_dir;          // generated certificates etc.; default $STRATA_STATE_DIR, else ~/.local/state/strata
  std::string source;             // file path, or "<embedded>"
};

}  // namespace strata::config
