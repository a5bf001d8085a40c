// `strata plan`, part 1: the capacity model of the source material (topic 23,
// NetworkCapacityPlanner) reproduced exactly, flaws included, so its numbers
// can be checked and its mistakes named. Pure arithmetic, no I/O, any thread.
#pragma once
#include <string>
#include <vector>

namespace strata::tools::plan {

// The source's protocol table (`self.protocols`): a flat overhead fraction
// of the payload and connections per user.
struct SourceProtocol {
  double overhead = 0.05;        // 'overhead'
  double connections_per_user = 1;
  double state_bytes = 2048;     // "connection state" in calculate_connection_overhead
  double keepalive_bytes = 64;   // "keep-alive" in calculate_connection_overhead
};

// Defaults of the source's table for "http1.1", "http2", "http3" (http1.1
// has one 8192-byte figure; it is kept as state 8192 + keep-alive 0).
// Throws std::invalid_argument for another name.
SourceProtocol source_protocol(const std::string& protocol);

struct SourceInputs {
  double concurrent_users = 100'000;
  double request_bytes = 2048;           // avg_request_size
  double response_bytes = 8192;          // avg_response_size
  double requests_per_second_per_user = 0.5;
  std::string protocol = "http3";
  SourceProtocol proto = source_protocol("http3");
  double recommended_factor = 1.5;       // the `* 1.5` of recommended_capacity_mbps
};

// The four figures the source returns, in its own unit: bits/s / 2^20
// (it calls them Mbps).
struct SourceResult {
  double total_rps = 0;
  double request_bps = 0, response_bps = 0;
  double total_bandwidth_mbps = 0;
  double connection_overhead_mbps = 0;
  double total_with_overhead_mbps = 0;
  double recommended_capacity_mbps = 0;
};

SourceResult compute_source(const SourceInputs& in);

// What the source printed for its own example (its comment "# Output").
inline constexpr double kSourcePrintedMbps = 652.34;

// The source's mistakes, as sentences with this run's numbers.
std::vector<std::string> source_flaws(const SourceInputs& in, const SourceResult& r);

}  // namespace strata::tools::plan
