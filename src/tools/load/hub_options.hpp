// Options of `strata load --hub MODE` (real-time hub load: WebSocket or SSE
// subscribers, or a publisher). Generic on purpose: the subscriber URL, the
// publish URL and the publish body are templates, so the same tool measures
// strata, pushpin and a node `ws` server by the same method.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "tools/load/options.hpp"

namespace strata::tools::load {

enum class HubMode { ws, sse, pub };

struct HubOptions {
  HubMode mode = HubMode::ws;
  // Subscriber: ws:// wss:// (or http(s):// for --hub sse) URL template;
  // publisher: http(s):// publish URL template. `{channel}` expands to the
  // connection's channel (subscriber i gets channel i % channels; the
  // publisher rotates over them).
  std::string url;
  ProtocolChoice protocol = ProtocolChoice::h1;  // --h1 (default) / --h2 / --h3
  unsigned connections = 1;         // -c: subscribers, or publisher connections
  unsigned threads = 1;             // -t per process
  unsigned processes = 0;           // --processes: 0 = auto (N / 16000, rounded up)
  double duration_s = 0;            // -D: subscriber: hold after all connected (0: until
                                    // --idle-exit / --messages); publisher: publish time
  std::uint64_t publications = 0;   // -n: publisher: stop after this many
  double rate = 0;                  // --rate: publisher pubs/s (0 = as fast as -m allows)
  unsigned depth = 1;               // -m: publisher requests in flight per connection (h1 pipelining)
  std::string channel = "bench";    // --channel
  unsigned channels = 1;            // --channels K: channel-0..channel-(K-1)
  std::size_t payload = 100;        // --payload-size (bytes, stamp included)
  std::string body = "{\"channel\":\"{channel}\",\"data\":{payload}}";  // --body template
  std::string api_key;              // --api-key: Authorization: apikey KEY
  std::vector<std::string> headers; // -H
  unsigned sources = 0;             // --sources: 127.x source addresses (0: auto, 200 on loopback)
  unsigned connect_concurrency = 256;  // --connect-concurrency: handshakes in flight per process
  double idle_exit_s = 0;           // --idle-exit: end this long after the last delivery
  std::uint64_t messages = 0;       // --messages: a subscriber is done after this many
  std::string ready_file;           // --ready-file: written once every subscriber is connected
  double connect_timeout_s = 10;
  double timeout_s = 10;            // publisher per-request timeout
  bool verify_tls = false;
  bool json = false;
  // Internal: this process is worker `worker_index` of `worker_count` (the
  // parent spawned it); it runs its share and prints a JSON report with
  // histogram buckets.
  int worker_index = -1;
  unsigned worker_count = 0;
  std::string worker_dir;  // where the worker's ready file goes (w<i>.ready)
};

// Runs a hub load; prints the report; returns the exit code (0 ok, 1 usage,
// 2 nothing succeeded). Blocks until done; SIGINT/SIGTERM end the run (the
// report is still printed).
int run_hub_load(const HubOptions& opt);

// Parses the internal `--worker I/K/DIR` value into `o` (false when malformed).
bool parse_worker_spec(const std::string& spec, HubOptions& o);

}  // namespace strata::tools::load
