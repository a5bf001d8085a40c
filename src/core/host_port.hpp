// The one "host:port" parser (config validation, listener addresses, CLI).
// Accepted: "1.2.3.4:80", "[::1]:8080", "[::]:0", "example.com:443"; with
// allow_empty_host also ":8080" (host "" = any address, listen side only).
// IPv6 needs brackets; names are checked as DNS names and lower-cased;
// IPv6 is canonicalised ("0::0" -> "::"). Pure; thread-safe.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace strata::core {

struct HostPort {
  std::string host;          // IPv6 without brackets, IPv4, lower-cased DNS name, or "" (any)
  std::uint16_t port = 0;
  enum class Kind { ipv4, ipv6, name } kind = Kind::name;
  bool is_ip() const { return kind != Kind::name; }
  // "host:port" with brackets around IPv6, the canonical spelling.
  std::string to_string() const;
};

// Returns nullopt and sets *error (when given) on bad input. Port 0 only
// when allow_port_zero; an empty host only when allow_empty_host.
std::optional<HostPort> parse_host_port(std::string_view text, bool allow_port_zero,
                                        std::string* error = nullptr, bool allow_empty_host = false);

// A DNS name: labels of [A-Za-z0-9-] (no leading/trailing '-'), 1..63 each, total <= 253.
bool valid_dns_name(std::string_view name);

}  // namespace strata::core
