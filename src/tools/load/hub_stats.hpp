// Measurements of `strata load --hub` runs (subscribers and publishers),
// merged across threads and worker processes, and their report (text and
// JSON). Latencies are nanoseconds in the histograms, times of day are unix
// microseconds (comparable across processes). Not thread-safe: one per
// thread, merge() after the threads joined; worker processes send theirs to
// the parent as JSON (hub_report_json with the histograms' buckets) and the
// parent rebuilds them with hub_stats_from_json().
#pragma once
#include <array>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>

#include "tools/load/histogram.hpp"

namespace strata::tools::load {

enum class HubError { connect, handshake, reset, protocol, timeout, count_ };
const char* hub_error_name(HubError e);

struct HubStats {
  // subscribers
  Histogram delivery;  // publisher's stamp -> receipt (ns)
  Histogram connect;   // connect start -> subscribed (101 / 200 head / CONNECT 200), ns
  std::uint64_t attempted = 0;    // connections tried (first attempts)
  std::uint64_t established = 0;  // handshakes that succeeded
  std::uint64_t closed = 0;       // established, then closed by the server or an error
  std::uint64_t unfinished = 0;   // neither established nor failed at the end
  std::uint64_t deliveries = 0;   // messages carrying a publisher stamp
  std::uint64_t other_messages = 0;  // replies, subscribe/connect events, no stamp
  std::uint64_t bytes = 0;        // payload bytes of deliveries
  std::int64_t start_us = 0;      // first connect attempt
  std::int64_t ready_us = 0;      // last successful establishment
  std::int64_t first_delivery_us = 0;
  std::int64_t last_delivery_us = 0;
  // publishers
  Histogram latency;                  // request sent -> response (ns)
  std::uint64_t published = 0;        // 2xx replies
  std::uint64_t publish_failed = 0;   // non-2xx or lost
  std::uint64_t publish_unfinished = 0;
  std::map<int, std::uint64_t> status;  // publisher: every reply; subscriber: refused handshakes
  std::int64_t last_publish_us = 0;
  // both
  std::array<std::uint64_t, std::size_t(HubError::count_)> errors{};

  void error(HubError e) { ++errors[std::size_t(e)]; }
  std::uint64_t failed() const;  // connection attempts that never established
  void merge(const HubStats& o);
  // Stamped message received at `now_us`, stamped `stamp_us`, `n` bytes.
  void delivered(std::int64_t now_us, std::uint64_t stamp_us, std::size_t n);
  // Rates derived from the times above (0 when not measurable).
  double connects_per_s() const;
  double deliveries_per_s() const;
};

struct HubRunInfo {
  std::string mode;      // "ws", "sse" or "pub"
  std::string protocol;  // "h1" / "h2" / "h3"
  unsigned connections = 0, processes = 1, threads = 1, channels = 1;
  double elapsed_s = 0;  // whole run
  double rate = 0;       // publisher: requested pubs/s (0 = max)
  std::size_t payload = 0;
};

// `with_buckets`: include the histograms' buckets (worker -> parent).
std::string hub_report_json(const HubStats& s, const HubRunInfo& r, bool with_buckets = false);
std::string hub_report_text(const HubStats& s, const HubRunInfo& r);
// Rebuilds the stats of a hub_report_json(..., true) document. Throws
// std::runtime_error on malformed input.
HubStats hub_stats_from_json(std::string_view text);

}  // namespace strata::tools::load
