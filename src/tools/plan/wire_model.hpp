// `strata plan`, part 2: the corrected capacity model. Every figure is
// per message or per packet, so each part can be checked by hand:
//  - a message is its header block (HTTP/1.1 text, HPACK or QPACK as the
//    real encoders produce it, header_cost.hpp) plus its body plus framing
//    (h2: 9-byte frame headers per HEADERS and per DATA frame of <= 16384
//    bytes; h3: type + length varints);
//  - h1/h2 go over TLS 1.3 (22 bytes per record of <= 16384 bytes) and TCP
//    (MSS = MTU - 52: IPv4 20 + TCP 20 + timestamps 12; 52 bytes of headers
//    per packet); h3 over QUIC (UDP payload MTU - 48; per packet IPv4+UDP
//    28, short header 21 with strata's 18-byte connection IDs, AEAD tag 16,
//    STREAM frame header 7);
//  - the receiver acknowledges every second data packet (TCP delayed ACK,
//    QUIC's default ack-eliciting threshold): 52-byte TCP ACKs, 71-byte
//    QUIC ACK packets, in the other direction;
//  - keep-alive: one probe and its reply per connection per interval
//    (h1: TCP keep-alive probe + ACK; h2: PING + PING ACK in TLS records
//    + the TCP ACK of the reply; h3: a PING packet + an ACK packet);
//  - memory: connections x measured bytes per connection; CPU: requests/s x
//    measured CPU per request; then headroom on all three.
// Rates are bits per second; Mbps is 10^6 bits/s. Pure, any thread.
#pragma once
#include <cstddef>
#include <string>

#include "tools/plan/header_cost.hpp"

namespace strata::tools::plan {

enum class Proto { h1, h2, h3 };
Proto parse_proto(const std::string& s);  // "h1"/"http1.1", "h2"/"http2", "h3"/"http3"; throws
const char* proto_name(Proto p);           // "h1", "h2", "h3"

// strata's own measured figures (README benchmarks, run 20261204-092616:
// proxied request CPU and idle keep-alive connection memory), used when
// no --from-metrics figure replaces them.
double default_cpu_us_per_request(Proto p);
double default_memory_per_connection(Proto p);

struct PlanInputs {
  double users = 100'000;
  double request_body = 2048;
  double response_body = 8192;
  double rps_per_user = 0.5;
  Proto proto = Proto::h3;
  double connections_per_user = 1;
  double keepalive_interval_s = 30;
  double mtu = 1500;
  double link_overhead = 0;  // bytes per packet below IP (Ethernet on the wire: 38)
  double memory_per_connection = default_memory_per_connection(Proto::h3);
  double cpu_us_per_request = default_cpu_us_per_request(Proto::h3);
  double headroom = 1.5;
  HeaderSet request_headers = default_request_headers(2048);
  HeaderSet response_headers = default_response_headers(8192);
};

// One message (request or response) on the wire.
struct MessageCost {
  double head_first = 0, head = 0;   // header block, first message / later ones
  double body = 0;
  double framing = 0;                // h2/h3 frame headers
  double app = 0;                    // head + body + framing (steady)
  double tls = 0;                    // TLS record overhead (h1, h2)
  double packets = 0;                // data packets
  double packet_headers = 0;         // IP/TCP or IP/UDP/QUIC bytes (+ link) of those packets
  double wire = 0;                   // app + tls + packet_headers
  double ack_packets = 0, ack_bytes = 0;  // sent back by the receiver
};

struct KeepaliveCost {
  double to_server_bytes = 0, to_client_bytes = 0;  // per connection per interval
  double packets = 0;                                // per connection per interval
};

struct PlanResult {
  double rps = 0, connections = 0;
  MessageCost request, response;
  KeepaliveCost keepalive;
  double keepalive_pps = 0;
  double in_bps = 0, out_bps = 0;            // to the server / from the server, steady
  double keepalive_in_bps = 0, keepalive_out_bps = 0;
  double payload_bps = 0;                    // bodies only, both directions
  double overhead_fraction = 0;              // (wire - bodies) / bodies, both directions
  double memory_bytes = 0;
  double cpu_cores = 0;
  double link_mbps = 0;                      // max(in, out) x headroom / 1e6
  double memory_recommended = 0, cores_recommended = 0;
};

// Message-level helpers (exposed for the tests' hand computations).
double quic_varint_len(double v);
MessageCost message_cost(Proto p, const HeaderCost& head, double body, double mtu, double link_overhead);
KeepaliveCost keepalive_cost(Proto p, double link_overhead);

PlanResult compute_plan(const PlanInputs& in);

}  // namespace strata::tools::plan
