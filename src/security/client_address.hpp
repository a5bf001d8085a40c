// Which address is the client (config::ClientAddress, docs/security.md):
// the peer (the socket's, or a PROXY header's source, already in
// ConnInfo::peer_ip) unless the peer is a trusted proxy; then the
// `real_ip_header` (X-Forwarded-For, or RFC 7239 Forwarded `for=`) is read
// right to left and the first hop not in `trusted_proxies` is the client.
// All hops trusted: the leftmost. A hop that is not an IP address ("unknown",
// an obfuscated name, garbage) ends the walk: the nearest trusted address
// seen so far is the client. IPv4-mapped IPv6 comes out as IPv4.
// Immutable once built; used on any worker.
#pragma once
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "config/security.hpp"
#include "http/headers.hpp"
#include "security/ip.hpp"

namespace strata::security {

class ClientAddressResolver {
 public:
  ClientAddressResolver() = default;
  explicit ClientAddressResolver(const config::ClientAddress& c);

  // The client when it differs from `peer` (a trusted proxy that forwarded
  // a header), else nullopt: the peer is the client. No allocation when no
  // proxy is trusted.
  std::optional<std::string> from_headers(std::string_view peer, const http::Headers& h) const;

 private:
  CidrSet trusted_;
  bool forwarded_ = false;  // real_ip_header: forwarded (else x-forwarded-for)
};

// The hops of an X-Forwarded-For value, left to right, trimmed; a port
// ("1.2.3.4:80", "[::1]:80") and brackets removed.
std::vector<std::string_view> xff_hops(std::string_view value);
// The `for=` values of a Forwarded value (RFC 7239), left to right, unquoted,
// brackets and port removed; an element without `for=` gives "".
std::vector<std::string> forwarded_for_hops(std::string_view value);

}  // namespace strata::security
