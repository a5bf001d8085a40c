// A listener's `security:` section (config/security.hpp, docs/security.md
// "Client address, connection limits, allow/deny"): the client address
// (PROXY protocol, trusted proxies), allow/deny lists and connection limits
// per client prefix. CIDRs are validated with security::parse_cidr and kept
// in canonical text ("10.0.0.0/8"); a bad one fails at its own location.
#include <fmt/format.h>

#include "config/parse.hpp"
#include "security/ip.hpp"

namespace strata::config::detail {

namespace {

// A list of CIDRs (a single string is a one-element list), canonicalized.
std::vector<std::string> cidr_list(const Doc& d, const Val& v, std::string_view what) {
  std::vector<Val> items;
  if (v.node.IsSequence())
    items = as_seq(d, v, what);
  else
    items.push_back(v);
  std::vector<std::string> out;
  for (const auto& it : items) {
    const auto s = as_string(d, it, what);
    const auto c = security::parse_cidr(s);
    if (!c)
      d.fail(it.loc, fmt::format("{}: '{}' is not a CIDR (e.g. 10.0.0.0/8, 2001:db8::/32 or a "
                                 "bare address; no host bits below the prefix length)",
                                 what, s));
    out.push_back(security::to_string(*c));
  }
  return out;
}

ClientAddress parse_client_address(const Doc& d, const Val& v) {
  MapReader m(d, v, "security client",
              {"proxy_protocol", "proxy_protocol_timeout", "trusted_proxies", "real_ip_header"});
  ClientAddress c;
  if (auto p = m.get("proxy_protocol"))
    c.proxy_protocol = as_enum(d, *p, "proxy_protocol", {"off", "v1", "v2", "any"});
  opt_duration(m, "proxy_protocol_timeout", c.proxy_protocol_timeout, Duration(1));
  if (auto t = m.get("trusted_proxies")) c.trusted_proxies = cidr_list(d, *t, "trusted_proxies");
  if (auto h = m.get("real_ip_header"))
    c.real_ip_header = as_enum(d, *h, "real_ip_header", {"x-forwarded-for", "forwarded"});
  return c;
}

ConnectionLimit parse_connection_limit(const Doc& d, const Val& v) {
  MapReader m(d, v, "security connections",
              {"max_per_prefix", "ipv4_prefix", "ipv6_prefix", "max_tracked"});
  ConnectionLimit c;
  opt_uint(m, "max_per_prefix", c.max_per_prefix, 0, kU32);
  opt_uint(m, "ipv4_prefix", c.ipv4_prefix, 1, 32);
  opt_uint(m, "ipv6_prefix", c.ipv6_prefix, 1, 128);
  opt_uint(m, "max_tracked", c.max_tracked, 1, kU32);
  return c;
}

}  // namespace

ListenerSecurity parse_listener_security(const Doc& d, const Val& v) {
  MapReader m(d, v, "listener security", {"client", "access", "connections"});
  ListenerSecurity s;
  if (auto c = m.get("client")) s.client = parse_client_address(d, *c);
  if (auto a = m.get("access")) s.access = parse_ip_access(d, *a);
  if (auto c = m.get("connections")) s.connections = parse_connection_limit(d, *c);
  return s;
}

IpAccess parse_ip_access(const Doc& d, const Val& v) {
  MapReader m(d, v, "access", {"allow", "deny"});
  IpAccess a;
  if (auto l = m.get("allow")) {
    a.allow = cidr_list(d, *l, "allow");
    if (a.allow.empty()) d.fail(l->loc, "allow: an empty list would refuse everyone (omit the key)");
  }
  if (auto l = m.get("deny")) a.deny = cidr_list(d, *l, "deny");
  return a;
}

}  // namespace strata::config::detail
