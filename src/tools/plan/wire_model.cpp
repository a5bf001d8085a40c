#include "tools/plan/wire_model.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>

namespace strata::tools::plan {

namespace {
constexpr double kTlsRecord = 16384, kTlsRecordOverhead = 22;  // 5 header + 1 type + 16 tag
constexpr double kTcpIpHeaders = 52;                           // IPv4 20 + TCP 20 + timestamps 12
constexpr double kH2Frame = 9, kFrameMax = 16384;
constexpr double kUdpIp = 28, kQuicShortHeader = 21, kAeadTag = 16, kStreamFrameHeader = 7;
constexpr double kQuicAckFrame = 6;

double chunks(double bytes, double size) { return bytes > 0 ? std::ceil(bytes / size) : 0; }
}  // namespace

Proto parse_proto(const std::string& s) {
  if (s == "h1" || s == "http1.1" || s == "http1") return Proto::h1;
  if (s == "h2" || s == "http2") return Proto::h2;
  if (s == "h3" || s == "http3") return Proto::h3;
  throw std::invalid_argument("protocol must be h1, h2 or h3 (or http1.1, http2, http3): " + s);
}

const char* proto_name(Proto p) { return p == Proto::h1 ? "h1" : p == Proto::h2 ? "h2" : "h3"; }

double default_cpu_us_per_request(Proto p) {
  // h1 22.0 and h2 17.5 us per proxied request (bench run 092616); h3 has no
  // CPU figure there: h2's divided by h3's relative request rate (0.76x).
  return p == Proto::h1 ? 22.0 : p == Proto::h2 ? 17.5 : 17.5 / 0.76;
}

double default_memory_per_connection(Proto) {
  // Idle keep-alive connection, bench run 092616 (9726 B); measure h3 with
  // --from-metrics.
  return 9726;
}

double quic_varint_len(double v) { return v < 64 ? 1 : v < 16384 ? 2 : v < 1073741824 ? 4 : 8; }

MessageCost message_cost(Proto p, const HeaderCost& head, double body, double mtu, double link) {
  MessageCost m;
  m.head_first = double(head.first + head.encoder_stream_first);
  m.head = double(head.steady);
  m.body = body;
  if (p == Proto::h2) {
    m.framing = kH2Frame + kH2Frame * chunks(body, kFrameMax);
  } else if (p == Proto::h3) {
    m.framing = 1 + quic_varint_len(m.head);
    for (double left = body; left > 0; left -= kFrameMax) m.framing += 1 + quic_varint_len(std::min(left, kFrameMax));
  }
  m.app = m.head + m.body + m.framing;
  if (p == Proto::h3) {
    const double per_packet = (mtu - 48) - kQuicShortHeader - kAeadTag - kStreamFrameHeader;
    m.packets = chunks(m.app, per_packet);
    m.packet_headers = m.packets * (kUdpIp + kQuicShortHeader + kAeadTag + kStreamFrameHeader + link);
    m.ack_packets = std::ceil(m.packets / 2);
    m.ack_bytes = m.ack_packets * (kUdpIp + kQuicShortHeader + kQuicAckFrame + kAeadTag + link);
  } else {
    m.tls = kTlsRecordOverhead * chunks(m.app, kTlsRecord);
    m.packets = chunks(m.app + m.tls, mtu - kTcpIpHeaders);
    m.packet_headers = m.packets * (kTcpIpHeaders + link);
    m.ack_packets = std::ceil(m.packets / 2);
    m.ack_bytes = m.ack_packets * (kTcpIpHeaders + link);
  }
  m.wire = m.app + m.tls + m.packet_headers;
  return m;
}

KeepaliveCost keepalive_cost(Proto p, double link) {
  KeepaliveCost k;
  if (p == Proto::h1) {  // TCP keep-alive probe and its ACK
    k.to_server_bytes = kTcpIpHeaders + link;
    k.to_client_bytes = kTcpIpHeaders + link;
    k.packets = 2;
  } else if (p == Proto::h2) {  // PING (9 + 8) in a TLS record each way, then the pinger's TCP ACK
    const double ping = kH2Frame + 8 + kTlsRecordOverhead + kTcpIpHeaders + link;
    k.to_server_bytes = ping + kTcpIpHeaders + link;
    k.to_client_bytes = ping;
    k.packets = 3;
  } else {  // PING frame (1) + 1 byte of padding for header protection; the ACK-only reply
    k.to_server_bytes = kUdpIp + kQuicShortHeader + 2 + kAeadTag + link;
    k.to_client_bytes = kUdpIp + kQuicShortHeader + kQuicAckFrame + kAeadTag + link;
    k.packets = 2;
  }
  return k;
}

PlanResult compute_plan(const PlanInputs& in) {
  PlanResult r;
  r.rps = in.users * in.rps_per_user;
  r.connections = in.users * in.connections_per_user;
  HeaderCost req_head, resp_head;
  if (in.proto == Proto::h1) {
    req_head.first = req_head.steady = http1_head_bytes(in.request_headers.fields);
    resp_head.first = resp_head.steady = http1_head_bytes(in.response_headers.fields);
  } else if (in.proto == Proto::h2) {
    req_head = hpack_cost(in.request_headers);
    resp_head = hpack_cost(in.response_headers);
  } else {
    req_head = qpack_cost(in.request_headers);
    resp_head = qpack_cost(in.response_headers);
  }
  r.request = message_cost(in.proto, req_head, in.request_body, in.mtu, in.link_overhead);
  r.response = message_cost(in.proto, resp_head, in.response_body, in.mtu, in.link_overhead);
  r.keepalive = keepalive_cost(in.proto, in.link_overhead);
  const double per_s = in.keepalive_interval_s > 0 ? r.connections / in.keepalive_interval_s : 0;
  r.keepalive_pps = per_s * r.keepalive.packets;
  r.keepalive_in_bps = per_s * r.keepalive.to_server_bytes * 8;
  r.keepalive_out_bps = per_s * r.keepalive.to_client_bytes * 8;
  r.in_bps = r.rps * (r.request.wire + r.response.ack_bytes) * 8 + r.keepalive_in_bps;
  r.out_bps = r.rps * (r.response.wire + r.request.ack_bytes) * 8 + r.keepalive_out_bps;
  r.payload_bps = r.rps * (in.request_body + in.response_body) * 8;
  r.overhead_fraction = r.payload_bps > 0 ? (r.in_bps + r.out_bps - r.payload_bps) / r.payload_bps : 0;
  r.memory_bytes = r.connections * in.memory_per_connection;
  r.cpu_cores = r.rps * in.cpu_us_per_request / 1e6;
  r.link_mbps = std::max(r.in_bps, r.out_bps) * in.headroom / 1e6;
  r.memory_recommended = r.memory_bytes * in.headroom;
  r.cores_recommended = r.cpu_cores * in.headroom;
  return r;
}

}  // namespace strata::tools::plan
