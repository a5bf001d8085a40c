// IP addresses, prefixes and CIDR sets for the security filters (client
// address, allow/deny, per-prefix limits and rules). IPv4-mapped IPv6
// ("::ffff:1.2.3.4") is normalized to IPv4 everywhere, so one client has
// one key whichever socket family carried it. Pure functions, no I/O.
#pragma once
#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace strata::security {

struct IpAddr {
  bool v6 = false;
  std::array<std::uint8_t, 16> b{};  // v4: first 4 bytes
  bool operator==(const IpAddr&) const = default;
};

// Text (no brackets, no port; "::ffff:a.b.c.d" becomes IPv4) -> address.
std::optional<IpAddr> parse_ip(std::string_view s);
std::string to_string(const IpAddr& a);

// The address masked to /v4 (IPv4) or /v6 (IPv6), as "10.1.2.0/24" or
// "2001:db8:1:2::/64": the key of per-prefix limits and rules.
IpAddr mask(const IpAddr& a, unsigned v4_prefix, unsigned v6_prefix);
std::string prefix_key(const IpAddr& a, unsigned v4_prefix, unsigned v6_prefix);

struct Cidr {
  IpAddr net;        // already masked
  unsigned len = 0;  // prefix length
  bool contains(const IpAddr& a) const;
};

// "10.0.0.0/8", "2001:db8::/32", or a bare address (/32, /128). Host bits
// set below the prefix are an error (nullopt), as is a length out of range.
std::optional<Cidr> parse_cidr(std::string_view s);
// Canonical text of a CIDR ("10.0.0.0/8").
std::string to_string(const Cidr& c);

// A list of CIDRs (linear scan: lists are short; a trie if they grow).
class CidrSet {
 public:
  CidrSet() = default;
  // Every entry must parse (the loader validated them); bad ones are skipped.
  explicit CidrSet(const std::vector<std::string>& cidrs);
  bool empty() const { return list_.empty(); }
  bool contains(const IpAddr& a) const;
  bool contains(std::string_view ip) const;

 private:
  std::vector<Cidr> list_;
};

}  // namespace strata::security
