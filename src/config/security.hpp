// Edge security configuration (docs/security.md, issue 15): the client
// address (PROXY protocol, trusted proxies), IP allow/deny, connection
// limits per client prefix, rate limits, rules with penalties, client
// certificates, JWT on routes, HSTS, admin authentication. Plain data, part
// of the immutable Config snapshot; every limit has a default here.
//
// CIDRs are kept as text, validated and canonicalized by the loader
// ("10.0.0.0/8", "2001:db8::/32"; a bare address means /32 or /128);
// security/cidr.hpp compiles them.
#pragma once
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace strata::config {

// Which address is "the client" (security/client_address.hpp). The peer is
// the socket's peer, or the source a PROXY protocol header names. Then, only
// when the peer is inside `trusted_proxies`, the `real_ip_header` is read
// right to left and the first address not in `trusted_proxies` is the
// client (all trusted: the leftmost). IPv4-mapped IPv6 is normalized to IPv4.
struct ClientAddress {
  std::string proxy_protocol = "off";   // off | v1 | v2 | any: a PROXY header is required on every connection
  std::chrono::milliseconds proxy_protocol_timeout{5000};  // the header must arrive within this
  std::vector<std::string> trusted_proxies;  // CIDRs; empty = headers never honoured
  std::string real_ip_header = "x-forwarded-for";  // x-forwarded-for | forwarded (RFC 7239)
  bool operator==(const ClientAddress&) const = default;
};

// CIDR allow/deny (listener: checked on accept, before TLS; route: 403).
// A client in `deny` is refused; when `allow` is not empty, a client not in
// it is refused too. Listener lists use the peer address (before any
// X-Forwarded-For); route lists use the client address.
struct IpAccess {
  std::vector<std::string> allow;
  std::vector<std::string> deny;
  bool empty() const { return allow.empty() && deny.empty(); }
  bool operator==(const IpAccess&) const = default;
};

// Open TCP connections per client prefix, counted for the process (all
// workers). Over the cap the new connection is closed at once (before TLS)
// and counted in strata_limit_connections_refused_total.
struct ConnectionLimit {
  std::uint32_t max_per_prefix = 0;     // 0 = off
  std::uint32_t ipv4_prefix = 24;
  std::uint32_t ipv6_prefix = 64;
  std::uint32_t max_tracked = 100000;   // prefixes tracked; idle ones are forgotten first
  bool operator==(const ConnectionLimit&) const = default;
};

// Client certificates (mTLS) on a TLS listener.
struct ClientCertificates {
  std::string mode = "off";             // off | optional | required
  std::string ca_file;                  // PEM bundle of accepted CAs (required unless mode off)
  std::uint32_t verify_depth = 3;
  std::string subject_header = "x-client-cert-subject";  // "" = not forwarded
  std::string san_header = "x-client-cert-san";          // "" = not forwarded
  bool operator==(const ClientCertificates&) const = default;
};

// One part of a limit or rule key. The key is the parts joined.
//   client_prefix        the client address masked to ipv4_prefix / ipv6_prefix
//   client_ip            the full client address
//   header:<name>        a request header's value ("" when absent)
//   cookie:<name>        a cookie's value
//   jwt:sub, jwt:<claim> a claim of the route's verified JWT
//   route                the route's name
struct KeyPart {
  std::string kind;                     // client_prefix | client_ip | header | cookie | jwt | route
  std::string name;                     // header/cookie/claim name (lower-case header)
  bool operator==(const KeyPart&) const = default;
};

// A rate limit on a route (security/rate_limit_filter.hpp): GCRA, `rate`
// requests per `per` with a burst. Several per route; the first one that
// refuses answers 429 with Retry-After and RateLimit-Policy / RateLimit.
struct RateLimit {
  std::string name;                     // default "<route>#<index>"; metric label
  double rate = 0;                      // required, > 0
  std::chrono::milliseconds per{1000};
  std::uint32_t burst = 0;              // 0 = max(1, rate)
  std::vector<KeyPart> key{{"client_prefix", ""}};
  std::uint32_t ipv4_prefix = 24;
  std::uint32_t ipv6_prefix = 64;
  bool dry_run = false;                 // count what would be refused, refuse nothing
  std::uint32_t max_keys = 100000;      // per process; least recently used evicted (metric)
  int status = 429;
  // Shared across nodes through `redis:` (atomic Lua GCRA). Each node may
  // spend `local_allowance` of a key's burst before asking Redis again.
  bool global = false;
  double local_allowance = 0.1;         // fraction of burst, 0..1
  bool operator==(const RateLimit&) const = default;
};

// A rule (security/rules.hpp): a counter per key over a sliding window;
// over `threshold` the key gets a penalty held for `duration`.
// Counters: requests | new_connections | early_data_requests |
//   replayed_early_data (0-RTT requests repeating a recent request hash) |
//   status_4xx | status_5xx | bytes (request + response body bytes).
// Actions: rate_limit (penalty rate/burst), block (403, or close the
// connection with block_close), tarpit (delay every answer by tarpit_delay).
struct RuleMatch {
  std::optional<std::string> path, prefix, regex;  // as in routes
  std::vector<std::string> methods;
  std::vector<std::pair<std::string, std::string>> headers;  // name (lower-case), RE2 full match
  bool operator==(const RuleMatch&) const = default;
};

struct Rule {
  std::string name;                     // required, unique; metric label
  std::string counter = "requests";
  std::vector<KeyPart> key{{"client_prefix", ""}};
  std::uint32_t ipv4_prefix = 24;
  std::uint32_t ipv6_prefix = 64;
  std::chrono::milliseconds window{60000};
  std::uint64_t threshold = 0;          // required, > 0
  RuleMatch match;                      // empty = every request (connection counters ignore it)
  std::string action = "block";         // rate_limit | block | tarpit
  double penalty_rate = 1;              // rate_limit: requests per penalty_per
  std::chrono::milliseconds penalty_per{1000};
  std::uint32_t penalty_burst = 1;
  bool block_close = false;             // block: close the connection instead of 403
  std::chrono::milliseconds tarpit_delay{5000};
  std::chrono::milliseconds duration{3600000};
  std::uint32_t max_keys = 100000;
  bool dry_run = false;
  bool operator==(const Rule&) const = default;
};

// JWT on a route (security/jwt_filter.hpp; verification shared with the
// hub's hub/auth/jwt_verifier). 401 without a valid token.
struct RouteJwt {
  std::string hs256_secret_file;
  std::string rs256_public_key_file;
  std::string es256_public_key_file;
  std::string jwks_file;                // JSON Web Key Set (RS256/ES256 keys by kid)
  std::string audience;                 // required "aud" when set
  std::string issuer;                   // required "iss" when set
  std::chrono::seconds leeway{0};
  std::string header = "authorization"; // "Bearer <token>"
  std::string cookie;                   // or a cookie ("" = none)
  std::vector<std::pair<std::string, std::string>> claims_to_headers;  // claim -> request header
  bool operator==(const RouteJwt&) const = default;
};

struct Hsts {
  std::chrono::seconds max_age{31536000};
  bool include_subdomains = false;
  bool preload = false;
  bool operator==(const Hsts&) const = default;
};

// The route's security settings (YAML: route `security:`), run as
// request filters after routing in this order: access, client subject,
// JWT, rate limits.
struct RouteSecurity {
  IpAccess access;
  std::string require_client_subject;   // RE2 full match on the verified client cert subject; "" = none
  std::optional<RouteJwt> jwt;
  std::vector<RateLimit> rate_limits;
  std::optional<Hsts> hsts;             // only on TLS responses
  bool empty() const {
    return access.empty() && require_client_subject.empty() && !jwt && rate_limits.empty() && !hsts;
  }
  bool operator==(const RouteSecurity&) const = default;
};

// The listener's security settings (YAML: listener `security:`).
struct ListenerSecurity {
  ClientAddress client;
  IpAccess access;
  ConnectionLimit connections;
  bool operator==(const ListenerSecurity&) const = default;
};

// Top level `security:`.
struct SecurityConfig {
  std::vector<Rule> rules;
  bool operator==(const SecurityConfig&) const = default;
};

// Admin listener authentication. A non-loopback admin address without one
// of these is a config error. When set, every request needs it (reads and
// writes); loopback without it: reads open, writes open (as before).
struct AdminAuth {
  std::string token;                    // bearer token (a secret: never in /config or logs)
  std::string token_file;
  std::string client_ca_file;           // or a client certificate (admin over TLS)
  std::string cert_file, key_file;      // admin TLS (required with client_ca_file)
  bool operator==(const AdminAuth&) const = default;
};

}  // namespace strata::config
