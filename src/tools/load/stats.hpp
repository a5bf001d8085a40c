// Per-thread measurements of a load run, merged at the end, and the report
// (text and JSON). Times are recorded in nanoseconds. Not thread-safe: each
// worker thread owns one ThreadStats; merge() after the threads joined.
#pragma once
#include <array>
#include <cstdint>
#include <map>
#include <string>

#include "tools/load/histogram.hpp"

namespace strata::tools::load {

enum class ErrorKind { connect, tls, reset, timeout, protocol, count_ };
const char* error_kind_name(ErrorKind k);

struct ThreadStats {
  Histogram latency;  // request (intended) start -> last response byte
  Histogram ttfb;     // request start -> first response byte
  Histogram connect;  // TCP connect
  Histogram tls;      // TLS handshake (h3: the QUIC handshake)
  std::uint64_t succeeded = 0;      // complete responses (any status)
  std::uint64_t failed = 0;         // requests lost to errors or never sent
  std::uint64_t unfinished = 0;     // in flight when the run ended
  std::uint64_t bytes_read = 0;     // wire bytes while measuring
  std::uint64_t body_bytes = 0;     // response body bytes
  std::array<std::uint64_t, 6> status_class{};  // [1..5] = 1xx..5xx
  std::map<int, std::uint64_t> status;
  std::array<std::uint64_t, std::size_t(ErrorKind::count_)> errors{};
  std::uint64_t connections_opened = 0;
  // h3: handshakes that resumed a TLS session, and 0-RTT use.
  std::uint64_t resumed = 0;
  std::uint64_t zero_rtt_attempted = 0;
  std::uint64_t zero_rtt_accepted = 0;
  std::int64_t last_done_ns = 0;    // steady clock of the last completion

  void record_status(int code) {
    ++status[code];
    if (code >= 100 && code < 600) ++status_class[std::size_t(code / 100)];
  }
  void error(ErrorKind k) { ++errors[std::size_t(k)]; }
  void merge(const ThreadStats& o);
};

struct RunInfo {
  std::string protocol;  // "h1" / "h2" / "h3" (negotiated, first connection)
  double elapsed_s = 0;  // measurement window
  unsigned connections = 0, threads = 0, streams = 0;
  double rate = 0;
};

std::string report_text(const ThreadStats& s, const RunInfo& r);
std::string report_json(const ThreadStats& s, const RunInfo& r);

}  // namespace strata::tools::load
