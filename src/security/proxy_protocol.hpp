// The PROXY protocol (HAProxy's spec, versions 1 and 2): a header an L4
// balancer writes first on a TCP connection naming the client's address.
// Pure parsing and building, no I/O; conn/proxy_header.cpp reads it off a
// socket, upstream connections write it (Cluster::proxy_protocol).
//
// The parser is incremental in the simplest way: call it with every byte
// received so far. `incomplete` means the header is not finished and every
// byte given belongs to it (so a reader may consume them all); `done`
// reports how many bytes the header took (the rest is the client's first
// payload, e.g. a TLS ClientHello); `invalid` names a metric reason.
#pragma once
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "security/ip.hpp"

namespace strata::security {

enum class ProxyVersions : std::uint8_t { v1, v2, any };

struct ProxyHeader {
  int version = 0;    // 1 or 2
  bool local = false; // v2 LOCAL, v1 UNKNOWN, or a non-IP family: no addresses, use the socket's
  IpAddr src, dst;    // valid when !local (IPv4-mapped IPv6 normalized to IPv4)
  std::uint16_t src_port = 0, dst_port = 0;
};

struct ProxyParse {
  enum class Status : std::uint8_t { incomplete, invalid, done } status = Status::incomplete;
  std::size_t consumed = 0;   // done: header length in bytes
  std::string_view reason;    // invalid: bad_signature | version | bad_v1 | bad_v2 | too_long
  ProxyHeader header;         // done
};

// Longest header accepted: a v1 line is at most 107 bytes (the spec's
// limit); a v2 header at most 16 + kMaxV2Payload (TLVs included).
constexpr std::size_t kMaxV1Line = 107;
constexpr std::size_t kMaxV2Payload = 4096;
constexpr std::string_view kProxyV2Signature{"\r\n\r\n\0\r\nQUIT\n", 12};

ProxyParse parse_proxy_header(std::string_view bytes, ProxyVersions accept);

// Headers strata writes upstream (PROXY command, TCP over IPv4 or IPv6).
// When the families differ the IPv4 one is written IPv4-mapped.
std::string proxy_v1(const IpAddr& src, std::uint16_t src_port, const IpAddr& dst,
                     std::uint16_t dst_port);
std::string proxy_v2(const IpAddr& src, std::uint16_t src_port, const IpAddr& dst,
                     std::uint16_t dst_port);

// The header for `version` ("v1" | "v2") from text addresses; when they do
// not parse (no client address) a v1 "PROXY UNKNOWN" / v2 LOCAL header.
std::string proxy_header_for(std::string_view version, std::string_view src_ip,
                             std::uint16_t src_port, std::string_view dst_ip,
                             std::uint16_t dst_port);

}  // namespace strata::security
