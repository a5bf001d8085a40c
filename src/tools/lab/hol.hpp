// `strata lab hol`: head-of-line blocking under packet loss. HTTP/2 runs
// every stream over one TCP byte stream, so one lost segment stalls all of
// them until it is retransmitted; HTTP/3 streams are independent inside
// QUIC. The claim (source topic 9): "1% loss costs HTTP/2 ~11% of its
// throughput; HTTP/3 30-40% better on unstable networks". For each RTT and
// loss (the relay drops that fraction of packets each way) and each of h2
// and h3 over TLS 1.3: a page (50 objects of 16 KiB requested at once on one
// connection: time from the end of the handshake to the last byte) and a
// bulk download (1 MiB, one stream: Mbit/s after the handshake). One
// strata (`serve`, files) in the server namespace, `strata load --json` in
// the client namespace, variants interleaved per repetition. The QUIC
// listener runs the congestion controller the kernel's TCP runs (so the
// transports are compared, not two controllers).
#pragma once
#include <string>
#include <vector>

#include "tools/lab/lab.hpp"

namespace strata::tools::lab {

struct HolCell {
  double rtt_ms = 0, loss_pct = 0;
  std::string proto;              // h2 | h3
  std::vector<double> page_ms;    // one per repetition that completed
  std::vector<double> bulk_mbps;
  unsigned failures = 0;          // runs with failed requests (not counted above)
};

struct HolResult {
  std::vector<HolCell> cells;
  double h2_drop_at_1pct = -1;    // 1 - h2 bulk(1%) / h2 bulk(0%) at the first RTT; -1 unknown
  double h3_gain_bulk = -1;       // mean over loss >= 1% cells: h3 bulk / h2 bulk - 1
  double h3_gain_page = -1;       // mean over loss >= 1% cells: h2 page / h3 page - 1
  std::string verdict, confidence;
  // Congestion controllers compared: the kernel's for TCP (h2) in the server
  // namespace, and the one the QUIC listener (h3) was given to match it.
  std::string tcp_cc, quic_cc;
  bool claim_drop_matches = false, claim_gain_matches = false;
};

// Pure parts (tests).
std::vector<double> parse_losses(const std::string& list);  // "0,0.5,1" -> {0,0.5,1}; throws on junk
const HolCell* find_cell(const HolResult& r, double rtt_ms, double loss_pct, const std::string& proto);
void judge(HolResult& r);
// The QUIC `congestion:` value matching the kernel's TCP controller
// (net.ipv4.tcp_congestion_control: bbr, cubic, reno); "" when strata has
// no match (the listener keeps its default).
std::string quic_cc_matching(const std::string& tcp_cc);
std::string hol_table(const HolResult& r);
std::string hol_json(const HolResult& r);
std::string hol_svg(const HolResult& r);

int run_hol(const LabOptions& o);

}  // namespace strata::tools::lab
