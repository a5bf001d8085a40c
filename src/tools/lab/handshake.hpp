// `strata lab handshake`: time to the first response byte of a fresh
// connection on h1 + TLS 1.2, h1 + TLS 1.3, h2 + TLS 1.3, h3 (1-RTT) and h3
// with 0-RTT (a second connection with the first one's ticket), at a set
// RTT, in round trips. The claim (source topics 4 and 6): HTTP/3 needs one
// handshake round trip where TCP + TLS 1.3 need two, and 0-RTT none.
// One strata (`serve`, a 200 response) in the server namespace, one
// `strata probe --json` process per connection in the client namespace.
// Every connection runs twice, with no added delay and with the RTT; the
// round trips are the difference divided by the RTT, so the fixed costs
// (process start, key generation, an ASan build's slowness) cancel out.
#pragma once
#include <string>
#include <vector>

#include "tools/lab/lab.hpp"

namespace strata::tools::lab {

struct Variant {
  std::string name;
  double expected_round_trips;       // textbook: handshake + the request
  std::vector<double> ttfb_ms;       // one per repetition, with the RTT
  std::vector<double> base_ms;       // the same without added delay
  std::vector<double> connect_ms;    // TCP connect (empty for QUIC)
  bool zero_rtt_accepted = true;     // h3 0-RTT only
};

struct HandshakeResult {
  double rtt_ms = 0;
  std::vector<Variant> variants;
  bool confirmed = false;
  std::string verdict, confidence;
};

// Pure parts (tests): statistics, verdict and chart from measured variants.
double median(std::vector<double> v);
double med_or(const std::vector<double>& v, double none = -1);  // median, `none` when empty
double round_trips(const Variant& v, double rtt_ms);  // (median ttfb - median base) / RTT
void judge(HandshakeResult& r);
std::string handshake_table(const HandshakeResult& r);
std::string handshake_json(const HandshakeResult& r);
std::string handshake_svg(const HandshakeResult& r);

int run_handshake(const LabOptions& o);

}  // namespace strata::tools::lab
