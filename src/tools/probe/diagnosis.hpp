// "Is the slow API the network or the application?" (topic 18): a pure
// function from one request's phase timings to findings. Defaults follow the
// curl-based rules of thumb: DNS > 100 ms, TCP connect > 200 ms, TLS
// handshake > 500 ms are network problems; a fast connect with a late first
// byte is server processing; a long transfer is the response transfer; 5xx
// is a server error. Thresholds are CLI flags.
#pragma once
#include <string>
#include <vector>

namespace strata::tools::probe {

// Phase durations of one request, in milliseconds (not cumulative).
struct PhaseTimes {
  double dns_ms = 0;
  double connect_ms = 0;  // TCP handshake: ~1 RTT
  double tls_ms = 0;      // 0 without TLS or for a reused connection
  double wait_ms = 0;     // request sent -> first response byte
  double transfer_ms = 0; // first byte -> last byte
  int status = 0;         // 0 if no response
  bool reused_connection = false;
  // RTT estimate when there is no TCP connect to take it from (QUIC: the
  // measured min RTT); < 0 = use connect_ms.
  double rtt_ms = -1;
};

struct Thresholds {
  double slow_dns_ms = 100;
  double slow_connect_ms = 200;
  double slow_tls_ms = 500;
  double server_processing_ms = 200;  // wait minus one connect RTT
  double slow_transfer_ms = 500;
};

struct Finding {
  std::string code;     // slow_dns | slow_connect | slow_tls | server_processing |
                        // slow_transfer | server_error | no_response | ok
  std::string where;    // "network" | "application" | "none"
  std::string message;  // human sentence with the numbers
};

// Every rule that fires, in phase order; {ok} when none does.
std::vector<Finding> diagnose(const PhaseTimes& t, const Thresholds& th);

}  // namespace strata::tools::probe
