#include "tools/plan/source_model.hpp"

#include <cmath>
#include <stdexcept>

#include <fmt/format.h>

namespace strata::tools::plan {

SourceProtocol source_protocol(const std::string& protocol) {
  if (protocol == "http3") return {0.05, 1, 2048, 64};
  if (protocol == "http2") return {0.08, 1, 4096, 128};
  if (protocol == "http1.1") return {0.15, 6, 8192, 0};
  throw std::invalid_argument("protocol must be http1.1, http2 or http3: " + protocol);
}

SourceResult compute_source(const SourceInputs& in) {
  constexpr double kMi = 1024.0 * 1024.0;  // the source divides by 1024*1024
  SourceResult r;
  r.total_rps = in.concurrent_users * in.requests_per_second_per_user;
  r.request_bps = r.total_rps * in.request_bytes * 8;
  r.response_bps = r.total_rps * in.response_bytes * 8;
  const double total_bandwidth = (r.request_bps + r.response_bps) * (1 + in.proto.overhead);
  const double connections = in.concurrent_users * in.proto.connections_per_user;
  // "return total_connections * (2048 + 64) * 8": bytes of state times 8,
  // used below as bits per second.
  const double connection_overhead = connections * (in.proto.state_bytes + in.proto.keepalive_bytes) * 8;
  r.total_bandwidth_mbps = total_bandwidth / kMi;
  r.connection_overhead_mbps = connection_overhead / kMi;
  r.total_with_overhead_mbps = (total_bandwidth + connection_overhead) / kMi;
  r.recommended_capacity_mbps = (total_bandwidth + connection_overhead) * in.recommended_factor / kMi;
  return r;
}

std::vector<std::string> source_flaws(const SourceInputs& in, const SourceResult& r) {
  std::vector<std::string> out;
  const SourceInputs example;
  const bool is_example = in.concurrent_users == example.concurrent_users &&
                          in.request_bytes == example.request_bytes &&
                          in.response_bytes == example.response_bytes &&
                          in.requests_per_second_per_user == example.requests_per_second_per_user &&
                          in.protocol == "http3" && in.proto.overhead == example.proto.overhead &&
                          in.proto.connections_per_user == 1 && in.proto.state_bytes == 2048 &&
                          in.proto.keepalive_bytes == 64 && in.recommended_factor == 1.5;
  if (is_example)
    out.push_back(fmt::format(
        "mismatch: the source prints {:.2f} Mbps for this example, but its own formula gives {:.2f} "
        "({:.1f}x more); the nearest figure of the formula is {:.2f} (payload with overhead x {:.1f}, "
        "without the connection term): the printed number looks like it with a digit lost",
        kSourcePrintedMbps, r.recommended_capacity_mbps, r.recommended_capacity_mbps / kSourcePrintedMbps,
        r.total_bandwidth_mbps * in.recommended_factor, in.recommended_factor));
  const double conn_share = r.connection_overhead_mbps / r.total_with_overhead_mbps * 100;
  out.push_back(fmt::format(
      "bytes as bits/s: {:.0f} B of per-connection state (+{:.0f} B keep-alive) x 8 is counted as "
      "bits per second on the wire ({:.2f} of its {:.2f} Mbps, {:.0f}%); state is memory, not traffic",
      in.proto.state_bytes, in.proto.keepalive_bytes, r.connection_overhead_mbps, r.total_with_overhead_mbps,
      conn_share));
  if (in.proto.keepalive_bytes > 0)
    out.push_back(fmt::format(
        "keep-alive: its {:.0f} B \"per 30s\" is counted every second (30x too much), and the "
        "\"1M x 30 s = 33K packets/s\" of topic 14 is 1M / 30 s (33,333 probes/s, 66,667 packets/s with replies)",
        in.proto.keepalive_bytes));
  out.emplace_back(std::string_view(
      "units: it divides bits/s by 1024*1024 and calls it Mbps; link rates are in 10^6 bits/s "
      "(its figure is 4.9% low)"));
  out.emplace_back(std::string_view(
      "direction: it adds request and response bandwidth, but a full-duplex link carries them in "
      "opposite directions; size the link by the larger direction"));
  out.emplace_back(std::string_view(
      "overhead: a flat percentage of the body; real overhead is per message (headers, HPACK/QPACK) "
      "and per packet (TLS records, TCP/UDP/IP headers, ACKs)"));
  return out;
}

}  // namespace strata::tools::plan
