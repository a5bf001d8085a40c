#include "security/ip.hpp"

#include <arpa/inet.h>

#include <charconv>
#include <cstring>

namespace strata::security {

std::optional<IpAddr> parse_ip(std::string_view s) {
  char buf[INET6_ADDRSTRLEN + 1];
  if (s.empty() || s.size() >= sizeof buf) return std::nullopt;
  std::memcpy(buf, s.data(), s.size());
  buf[s.size()] = 0;
  IpAddr a;
  if (inet_pton(AF_INET, buf, a.b.data()) == 1) return a;
  in6_addr in6;
  if (inet_pton(AF_INET6, buf, &in6) != 1) return std::nullopt;
  if (IN6_IS_ADDR_V4MAPPED(&in6)) {
    std::memcpy(a.b.data(), in6.s6_addr + 12, 4);
    return a;
  }
  a.v6 = true;
  std::memcpy(a.b.data(), in6.s6_addr, 16);
  return a;
}

std::string to_string(const IpAddr& a) {
  char buf[INET6_ADDRSTRLEN];
  inet_ntop(a.v6 ? AF_INET6 : AF_INET, a.b.data(), buf, sizeof buf);
  return buf;
}

IpAddr mask(const IpAddr& a, unsigned v4_prefix, unsigned v6_prefix) {
  const unsigned bits = a.v6 ? 128u : 32u;
  unsigned len = a.v6 ? v6_prefix : v4_prefix;
  if (len > bits) len = bits;
  IpAddr m = a;
  for (unsigned i = 0; i < bits / 8; ++i) {
    const unsigned bit = i * 8;
    if (bit >= len)
      m.b[i] = 0;
    else if (len - bit < 8)
      m.b[i] &= static_cast<std::uint8_t>(0xff << (8 - (len - bit)));
  }
  return m;
}

std::string prefix_key(const IpAddr& a, unsigned v4_prefix, unsigned v6_prefix) {
  const unsigned bits = a.v6 ? 128u : 32u;
  unsigned len = a.v6 ? v6_prefix : v4_prefix;
  if (len > bits) len = bits;
  return to_string(mask(a, len, len)) + "/" + std::to_string(len);
}

bool Cidr::contains(const IpAddr& a) const {
  return a.v6 == net.v6 && mask(a, len, len) == net;
}

std::optional<Cidr> parse_cidr(std::string_view s) {
  const auto slash = s.find('/');
  auto ip = parse_ip(s.substr(0, slash));
  if (!ip) return std::nullopt;
  const unsigned bits = ip->v6 ? 128u : 32u;
  unsigned len = bits;
  if (slash != std::string_view::npos) {
    const auto t = s.substr(slash + 1);
    const auto [p, ec] = std::from_chars(t.data(), t.data() + t.size(), len);
    if (ec != std::errc() || p != t.data() + t.size() || t.empty() || len > bits) return std::nullopt;
  }
  Cidr c{mask(*ip, len, len), len};
  if (!(c.net == *ip)) return std::nullopt;  // host bits set
  return c;
}

std::string to_string(const Cidr& c) { return to_string(c.net) + "/" + std::to_string(c.len); }

CidrSet::CidrSet(const std::vector<std::string>& cidrs) {
  for (const auto& s : cidrs)
    if (auto c = parse_cidr(s)) list_.push_back(*c);
}

bool CidrSet::contains(const IpAddr& a) const {
  for (const auto& c : list_)
    if (c.contains(a)) return true;
  return false;
}

bool CidrSet::contains(std::string_view ip) const {
  const auto a = parse_ip(ip);
  return a && contains(*a);
}

}  // namespace strata::security
