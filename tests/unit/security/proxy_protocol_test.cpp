#include "security/proxy_protocol.hpp"

#include <gtest/gtest.h>

#include <string>

namespace strata::security {

using Status = ProxyParse::Status;
using namespace std::string_literals;

// A v2 header: signature, ver/cmd, family, length, payload.
std::string v2(unsigned char cmd, unsigned char fam, const std::string& payload) {
  std::string s(kProxyV2Signature);
  s += char(cmd);
  s += char(fam);
  s += char(payload.size() >> 8);
  s += char(payload.size() & 0xff);
  return s + payload;
}

TEST(SecurityProxyProtocol, V1Tcp4LeavesTheRest) {
  const std::string wire = "PROXY TCP4 192.0.2.1 198.51.100.2 56324 443\r\nGET / HTTP/1.1\r\n";
  auto p = parse_proxy_header(wire, ProxyVersions::any);
  ASSERT_EQ(p.status, Status::done);
  EXPECT_EQ(wire.substr(p.consumed), "GET / HTTP/1.1\r\n");
  EXPECT_EQ(p.header.version, 1);
  EXPECT_FALSE(p.header.local);
  EXPECT_EQ(to_string(p.header.src), "192.0.2.1");
  EXPECT_EQ(to_string(p.header.dst), "198.51.100.2");
  EXPECT_EQ(p.header.src_port, 56324);
  EXPECT_EQ(p.header.dst_port, 443);
}

TEST(SecurityProxyProtocol, V1Tcp6AndMappedV4) {
  auto p = parse_proxy_header("PROXY TCP6 2001:db8::1 ::ffff:10.0.0.1 1 65535\r\n", ProxyVersions::v1);
  ASSERT_EQ(p.status, Status::done);
  EXPECT_EQ(to_string(p.header.src), "2001:db8::1");
  EXPECT_EQ(to_string(p.header.dst), "10.0.0.1");  // normalized
  EXPECT_EQ(p.header.dst_port, 65535);
}

TEST(SecurityProxyProtocol, V1Unknown) {
  auto p = parse_proxy_header("PROXY UNKNOWN ffff::1 ffff::2 1 2\r\n", ProxyVersions::any);
  ASSERT_EQ(p.status, Status::done);
  EXPECT_TRUE(p.header.local);
  EXPECT_EQ(parse_proxy_header("PROXY UNKNOWN\r\n", ProxyVersions::any).status, Status::done);
}

TEST(SecurityProxyProtocol, V1Incomplete) {
  const std::string wire = "PROXY TCP4 192.0.2.1 198.51.100.2 56324 443\r\n";
  for (std::size_t n = 0; n < wire.size(); ++n)
    EXPECT_EQ(parse_proxy_header(wire.substr(0, n), ProxyVersions::any).status, Status::incomplete) << n;
}

TEST(SecurityProxyProtocol, V1Malformed) {
  for (const char* bad : {"PROXY TCP4 192.0.2.1 198.51.100.2 56324\r\n",
                          "PROXY TCP4 192.0.2.1  198.51.100.2 1 2\r\n",
                          "PROXY TCP4 2001:db8::1 198.51.100.2 1 2\r\n",
                          "PROXY TCP6 192.0.2.1 2001:db8::2 1 2\r\n",
                          "PROXY TCP4 192.0.2.1 198.51.100.2 65536 2\r\n",
                          "PROXY TCP4 192.0.2.1 198.51.100.2 01 2\r\n",
                          "PROXY TCP4 192.0.2.1 198.51.100.2 1 2 \r\n",
                          "PROXY UDP4 192.0.2.1 198.51.100.2 1 2\r\n",
                          "PROXY TCP4 300.0.2.1 198.51.100.2 1 2\r\n",
                          "PROXY TCP4 1.2.3.4\n",
                          "PROXY UNKNOWN\rx"}) {
    auto p = parse_proxy_header(bad, ProxyVersions::any);
    EXPECT_EQ(p.status, Status::invalid) << bad;
    EXPECT_EQ(p.reason, "bad_v1") << bad;
  }
  auto p = parse_proxy_header("PROXY " + std::string(120, 'x'), ProxyVersions::any);
  EXPECT_EQ(p.reason, "too_long");
  EXPECT_EQ(parse_proxy_header("GET / HTTP/1.1\r\n", ProxyVersions::any).reason, "bad_signature");
  EXPECT_EQ(parse_proxy_header("\x16\x03\x01", ProxyVersions::any).reason, "bad_signature");
}

TEST(SecurityProxyProtocol, VersionNotAccepted) {
  EXPECT_EQ(parse_proxy_header("PROXY UNKNOWN\r\n", ProxyVersions::v2).reason, "version");
  EXPECT_EQ(parse_proxy_header(v2(0x20, 0, ""), ProxyVersions::v1).reason, "version");
  EXPECT_EQ(parse_proxy_header("PR", ProxyVersions::v2).reason, "version");
}

TEST(SecurityProxyProtocol, V2Tcp4WithTlvs) {
  std::string payload = "\xc0\x00\x02\x01\xc6\x33\x64\x02\xdc\x04\x01\xbb"s;
  payload += "\x04\x00\x02hi"s;  // a TLV, skipped
  const std::string wire = v2(0x21, 0x11, payload) + "\x16\x03\x01";
  auto p = parse_proxy_header(wire, ProxyVersions::v2);
  ASSERT_EQ(p.status, Status::done);
  EXPECT_EQ(p.consumed, 16 + payload.size());
  EXPECT_EQ(to_string(p.header.src), "192.0.2.1");
  EXPECT_EQ(to_string(p.header.dst), "198.51.100.2");
  EXPECT_EQ(p.header.src_port, 56324);
  EXPECT_EQ(p.header.dst_port, 443);
  for (std::size_t n = 0; n < p.consumed; ++n)
    EXPECT_EQ(parse_proxy_header(wire.substr(0, n), ProxyVersions::any).status, Status::incomplete) << n;
}

TEST(SecurityProxyProtocol, V2LocalAndUnspec) {
  auto p = parse_proxy_header(v2(0x20, 0x00, ""), ProxyVersions::any);
  ASSERT_EQ(p.status, Status::done);
  EXPECT_TRUE(p.header.local);
  EXPECT_EQ(p.consumed, 16u);
  // LOCAL with an address block: still local (a balancer's own check).
  p = parse_proxy_header(v2(0x20, 0x11, std::string(12, '\1')), ProxyVersions::any);
  ASSERT_EQ(p.status, Status::done);
  EXPECT_TRUE(p.header.local);
}

TEST(SecurityProxyProtocol, V2Malformed) {
  EXPECT_EQ(parse_proxy_header(v2(0x11, 0x11, std::string(12, '\0')), ProxyVersions::any).reason, "bad_v2");
  EXPECT_EQ(parse_proxy_header(v2(0x22, 0x11, std::string(12, '\0')), ProxyVersions::any).reason, "bad_v2");
  EXPECT_EQ(parse_proxy_header(v2(0x21, 0x41, std::string(12, '\0')), ProxyVersions::any).reason, "bad_v2");
  EXPECT_EQ(parse_proxy_header(v2(0x21, 0x11, std::string(11, '\0')), ProxyVersions::any).reason, "bad_v2");
  EXPECT_EQ(parse_proxy_header(v2(0x21, 0x21, std::string(20, '\0')), ProxyVersions::any).reason, "bad_v2");
  EXPECT_EQ(parse_proxy_header(v2(0x21, 0x11, std::string(5000, '\0')), ProxyVersions::any).reason, "too_long");
  std::string sig(kProxyV2Signature);
  sig[5] = 'x';
  EXPECT_EQ(parse_proxy_header(sig + "\x21\x11\x00\x0c", ProxyVersions::any).reason, "bad_signature");
}

TEST(SecurityProxyProtocol, BuildersRoundTrip) {
  const auto a = *parse_ip("203.0.113.7"), b = *parse_ip("192.0.2.10"), c = *parse_ip("2001:db8::7");
  EXPECT_EQ(proxy_v1(a, 1234, b, 80), "PROXY TCP4 203.0.113.7 192.0.2.10 1234 80\r\n");
  EXPECT_EQ(proxy_v1(c, 1, b, 2), "PROXY TCP6 2001:db8::7 ::ffff:192.0.2.10 1 2\r\n");
  for (const auto& [s, d] : {std::pair{a, b}, std::pair{c, b}, std::pair{c, c}}) {
    for (const auto& wire : {proxy_v1(s, 4321, d, 443), proxy_v2(s, 4321, d, 443)}) {
      auto p = parse_proxy_header(wire, ProxyVersions::any);
      ASSERT_EQ(p.status, Status::done);
      EXPECT_EQ(p.consumed, wire.size());
      EXPECT_EQ(p.header.src, s);
      EXPECT_EQ(p.header.dst, d);
      EXPECT_EQ(p.header.src_port, 4321);
      EXPECT_EQ(p.header.dst_port, 443);
    }
  }
  EXPECT_EQ(proxy_v2(a, 1, b, 2).size(), 28u);
  EXPECT_EQ(proxy_v2(c, 1, c, 2).size(), 52u);
}

TEST(SecurityProxyProtocol, HeaderForTextAddresses) {
  EXPECT_EQ(proxy_header_for("v1", "10.0.0.1", 5, "10.0.0.2", 80), "PROXY TCP4 10.0.0.1 10.0.0.2 5 80\r\n");
  EXPECT_EQ(proxy_header_for("v1", "", 0, "10.0.0.2", 80), "PROXY UNKNOWN\r\n");
  auto p = parse_proxy_header(proxy_header_for("v2", "x", 0, "", 0), ProxyVersions::v2);
  ASSERT_EQ(p.status, Status::done);
  EXPECT_TRUE(p.header.local);
  p = parse_proxy_header(proxy_header_for("v2", "2001:db8::1", 7, "::1", 8), ProxyVersions::v2);
  ASSERT_EQ(p.status, Status::done);
  EXPECT_EQ(to_string(p.header.src), "2001:db8::1");
}

}  // namespace strata::security
