// Options of `strata load` and the parsed target. Defaults mirror h2load.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace strata::tools::load {

// Which client protocol drives a connection. h3 is HTTP/3 over QUIC (UDP,
// https:// URLs only) with its own connection driver (h3_driver.cpp).
enum class ProtocolChoice { automatic, h1, h2, h3 };

struct LoadOptions {
  std::vector<std::string> urls;      // requests rotate over these (same origin)
  std::uint64_t requests = 0;         // -n; 0 = use duration
  double duration_s = 0;              // -D; 0 = use requests
  unsigned connections = 1;           // -c
  unsigned streams = 1;               // -m: h2/h3 streams / h1 pipelining depth per connection
  unsigned threads = 1;               // -t
  ProtocolChoice protocol = ProtocolChoice::automatic;
  std::vector<std::string> headers;   // -H "Name: value"
  std::string body_file;              // -d (POST)
  double rate = 0;                    // --rate: total requests/s, open loop; 0 = closed loop
  double warmup_s = 0;                // --warmup (duration mode only)
  double timeout_s = 10;              // per request
  double connect_timeout_s = 5;
  bool verify_tls = false;            // --insecure is the default (it's a load tool)
  bool json = false;
  // --source: local addresses to bind (h1/h2 over TCP); connection i binds
  // sources[i % n]. Empty (the default): the kernel picks. Lets one run
  // stand for many clients of one prefix (bench/security/run's flood).
  std::vector<std::string> sources;
  // --hold (-n mode): finished connections stay open and idle until all
  // have finished, then this many seconds more (tools/load/hold.hpp); < 0: off.
  double hold_s = -1;
  // --ramp: connection i makes its first connect at start + i * ramp_s / connections
  // (spreads handshakes out; 0: all at once).
  double ramp_s = 0;
  std::string ready_file;             // --ready-file with --hold: written when all are idle
};

struct Target {
  bool tls = false;
  std::string host;       // no brackets
  std::string port;
  std::string authority;  // host[:port] as in the URL
  std::vector<std::string> paths;  // path?query per URL
};

// Parses and checks every URL (http/https, same scheme/host/port for all).
// Throws std::invalid_argument with a readable message.
Target parse_target(const std::vector<std::string>& urls);

}  // namespace strata::tools::load
