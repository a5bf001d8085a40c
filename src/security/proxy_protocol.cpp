#include "security/proxy_protocol.hpp"

#include <algorithm>
#include <cstring>

namespace strata::security {

namespace {

using Status = ProxyParse::Status;

constexpr std::string_view kV1Prefix = "PROXY ";

ProxyParse fail(std::string_view reason) {
  ProxyParse p;
  p.status = Status::invalid;
  p.reason = reason;
  return p;
}

// True when `have` is a prefix of `full` (or the other way round).
bool prefix_compatible(std::string_view have, std::string_view full) {
  const auto n = std::min(have.size(), full.size());
  return have.substr(0, n) == full.substr(0, n);
}

bool parse_port(std::string_view s, std::uint16_t& out) {
  if (s.empty() || s.size() > 5 || (s.size() > 1 && s[0] == '0')) return false;
  unsigned v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
    v = v * 10 + unsigned(c - '0');
  }
  if (v > 65535) return false;
  out = std::uint16_t(v);
  return true;
}

// The next space-separated field of a v1 line (exactly one space between).
bool next_field(std::string_view& rest, std::string_view& field, bool last) {
  if (last) {
    if (rest.empty() || rest.find(' ') != std::string_view::npos) return false;
    field = rest;
    rest = {};
    return true;
  }
  const auto sp = rest.find(' ');
  if (sp == std::string_view::npos || sp == 0) return false;
  field = rest.substr(0, sp);
  rest.remove_prefix(sp + 1);
  return true;
}

ProxyParse parse_v1(std::string_view bytes) {
  const auto cr = bytes.find("\r\n");
  if (cr == std::string_view::npos) {
    if (bytes.size() >= kMaxV1Line) return fail("too_long");
    // A CR must only ever be followed by LF: a lone CR is a bad line.
    const auto lone = bytes.find('\r');
    if (lone != std::string_view::npos && lone + 1 < bytes.size()) return fail("bad_v1");
    if (bytes.find('\n') != std::string_view::npos) return fail("bad_v1");
    return {};
  }
  if (cr + 2 > kMaxV1Line) return fail("too_long");
  std::string_view line = bytes.substr(kV1Prefix.size(), cr - kV1Prefix.size());
  if (line.find_first_of("\r\n") != std::string_view::npos) return fail("bad_v1");
  ProxyParse p;
  p.consumed = cr + 2;
  p.header.version = 1;
  if (line == "UNKNOWN" || line.starts_with("UNKNOWN ")) {
    p.header.local = true;
    p.status = Status::done;
    return p;
  }
  std::string_view proto, src, dst, sport, dport;
  if (!next_field(line, proto, false) || !next_field(line, src, false) ||
      !next_field(line, dst, false) || !next_field(line, sport, false) ||
      !next_field(line, dport, true))
    return fail("bad_v1");
  if (proto != "TCP4" && proto != "TCP6") return fail("bad_v1");
  const bool v6 = proto == "TCP6";
  // The address must be of the family named (a v4-mapped TCP6 address is
  // fine and comes out as IPv4).
  auto family_ok = [v6](std::string_view s) {
    return v6 ? s.find(':') != std::string_view::npos : s.find(':') == std::string_view::npos;
  };
  auto s = parse_ip(src);
  auto d = parse_ip(dst);
  if (!s || !d || !family_ok(src) || !family_ok(dst)) return fail("bad_v1");
  if (!parse_port(sport, p.header.src_port) || !parse_port(dport, p.header.dst_port))
    return fail("bad_v1");
  p.header.src = *s;
  p.header.dst = *d;
  p.status = Status::done;
  return p;
}

IpAddr v4_from(const unsigned char* b) {
  IpAddr a;
  std::memcpy(a.b.data(), b, 4);
  return a;
}

IpAddr v6_from(const unsigned char* b) {
  IpAddr a;
  a.v6 = true;
  std::memcpy(a.b.data(), b, 16);
  static constexpr unsigned char kMapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
  if (std::memcmp(b, kMapped, 12) == 0) return v4_from(b + 12);
  return a;
}

std::uint16_t be16(const unsigned char* b) { return std::uint16_t((b[0] << 8) | b[1]); }

ProxyParse parse_v2(std::string_view bytes) {
  if (bytes.size() < 16) return {};
  const auto* u = reinterpret_cast<const unsigned char*>(bytes.data());
  const unsigned ver = u[12] >> 4, cmd = u[12] & 0x0f;
  if (ver != 2 || cmd > 1) return fail("bad_v2");
  const std::size_t len = be16(u + 14);
  if (len > kMaxV2Payload) return fail("too_long");
  const unsigned fam = u[13] >> 4, proto = u[13] & 0x0f;
  if (fam > 3 || proto > 2) return fail("bad_v2");
  // The address block must fit in the declared length.
  static constexpr std::size_t kAddrLen[] = {0, 12, 36, 216};
  if (len < kAddrLen[fam]) return fail("bad_v2");
  if (bytes.size() < 16 + len) return {};
  ProxyParse p;
  p.consumed = 16 + len;
  p.header.version = 2;
  p.status = Status::done;
  // LOCAL (health checks from the balancer itself), UNSPEC and unix
  // sockets carry no IP address: the socket's own peer stays the client.
  if (cmd == 0 || fam == 0 || fam == 3 || proto == 0) {
    p.header.local = true;
    return p;
  }
  const unsigned char* a = u + 16;
  if (fam == 1) {
    p.header.src = v4_from(a);
    p.header.dst = v4_from(a + 4);
    p.header.src_port = be16(a + 8);
    p.header.dst_port = be16(a + 10);
  } else {
    p.header.src = v6_from(a);
    p.header.dst = v6_from(a + 16);
    p.header.src_port = be16(a + 32);
    p.header.dst_port = be16(a + 34);
  }
  return p;
}

// Both as IPv6 when the families differ (v4 as ::ffff:a.b.c.d).
std::array<std::uint8_t, 16> as_v6(const IpAddr& a) {
  if (a.v6) return a.b;
  std::array<std::uint8_t, 16> out{};
  out[10] = out[11] = 0xff;
  std::memcpy(out.data() + 12, a.b.data(), 4);
  return out;
}

}  // namespace

ProxyParse parse_proxy_header(std::string_view bytes, ProxyVersions accept) {
  const bool v1_ok = accept != ProxyVersions::v2, v2_ok = accept != ProxyVersions::v1;
  if (bytes.empty()) return {};
  // "PROXY " and the v2 signature differ in their first byte.
  if (prefix_compatible(bytes, kV1Prefix)) {
    if (!v1_ok) return fail("version");
    return bytes.size() < kV1Prefix.size() ? ProxyParse{} : parse_v1(bytes);
  }
  if (prefix_compatible(bytes, kProxyV2Signature)) {
    if (!v2_ok) return fail("version");
    return bytes.size() < kProxyV2Signature.size() ? ProxyParse{} : parse_v2(bytes);
  }
  return fail("bad_signature");
}

std::string proxy_v1(const IpAddr& src, std::uint16_t src_port, const IpAddr& dst,
                     std::uint16_t dst_port) {
  std::string s = "PROXY ";
  if (!src.v6 && !dst.v6) {
    s += "TCP4 " + to_string(src) + " " + to_string(dst);
  } else {
    auto text6 = [](const IpAddr& a) {
      if (a.v6) return to_string(a);
      return "::ffff:" + to_string(a);
    };
    s += "TCP6 " + text6(src) + " " + text6(dst);
  }
  s += " " + std::to_string(src_port) + " " + std::to_string(dst_port) + "\r\n";
  return s;
}

std::string proxy_v2(const IpAddr& src, std::uint16_t src_port, const IpAddr& dst,
                     std::uint16_t dst_port) {
  std::string s(kProxyV2Signature);
  const bool v4 = !src.v6 && !dst.v6;
  s += char(0x21);                 // version 2, PROXY
  s += char(v4 ? 0x11 : 0x21);     // TCP over IPv4 / IPv6
  const std::size_t len = v4 ? 12 : 36;
  s += char(len >> 8);
  s += char(len & 0xff);
  auto put = [&s](const std::uint8_t* b, std::size_t n) {
    s.append(reinterpret_cast<const char*>(b), n);
  };
  if (v4) {
    put(src.b.data(), 4);
    put(dst.b.data(), 4);
  } else {
    const auto a = as_v6(src), b = as_v6(dst);
    put(a.data(), 16);
    put(b.data(), 16);
  }
  for (std::uint16_t p : {src_port, dst_port}) {
    s += char(p >> 8);
    s += char(p & 0xff);
  }
  return s;
}

std::string proxy_header_for(std::string_view version, std::string_view src_ip,
                             std::uint16_t src_port, std::string_view dst_ip,
                             std::uint16_t dst_port) {
  const bool v1 = version == "v1";
  const auto s = parse_ip(src_ip), d = parse_ip(dst_ip);
  if (!s || !d) {
    if (v1) return "PROXY UNKNOWN\r\n";
    std::string h(kProxyV2Signature);
    h += char(0x20);  // version 2, LOCAL
    h += char(0x00);  // UNSPEC
    h += char(0);
    h += char(0);
    return h;
  }
  return v1 ? proxy_v1(*s, src_port, *d, dst_port) : proxy_v2(*s, src_port, *d, dst_port);
}

}  // namespace strata::security
