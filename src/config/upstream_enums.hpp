// Closed sets of values in the cluster configuration, parsed from their
// YAML spelling once by the loader (config/parse_clusters.cpp) and compared
// as enums at run time. to_string() gives back the YAML spelling (the
// effective-config JSON and the admin output use it). Header-only and
// light: lb/ and health/ include it without the whole Config.
#pragma once
#include <array>
#include <cstdint>
#include <string_view>

namespace strata::config {

// clusters.*.protocol: HTTP/1.1, HTTP/2 over TLS (ALPN h2), cleartext
// HTTP/2 with prior knowledge.
enum class UpstreamProtocol : std::uint8_t { h1, h2, h2c };
inline constexpr std::array<std::string_view, 3> kUpstreamProtocolNames{"h1", "h2", "h2c"};

// clusters.*.lb.
enum class LbPolicy : std::uint8_t { round_robin, least_request, ring_hash, random, ewma };
inline constexpr std::array<std::string_view, 5> kLbPolicyNames{
    "round_robin", "least_request", "ring_hash", "random", "ewma"};

// clusters.*.health_check.type.
enum class HealthCheckType : std::uint8_t { http, tcp };
inline constexpr std::array<std::string_view, 2> kHealthCheckTypeNames{"http", "tcp"};

constexpr std::string_view to_string(UpstreamProtocol p) {
  return kUpstreamProtocolNames[static_cast<std::size_t>(p)];
}
constexpr std::string_view to_string(LbPolicy p) { return kLbPolicyNames[static_cast<std::size_t>(p)]; }
constexpr std::string_view to_string(HealthCheckType t) {
  return kHealthCheckTypeNames[static_cast<std::size_t>(t)];
}

// HTTP/2 to the upstream (h2 or h2c).
constexpr bool is_h2(UpstreamProtocol p) { return p != UpstreamProtocol::h1; }

}  // namespace strata::config
