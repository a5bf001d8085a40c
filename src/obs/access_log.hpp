// The access log, written off the hot path. A request thread fills a small
// fixed-size AccessRecord (strings truncated to fixed capacities, no heap)
// and submit()s it into a bounded lock-free queue; when the queue is full
// the record is dropped and strata_access_log_dropped_total counts it. One
// background thread drains the queue, formats JSON lines or the combined
// log format and writes to a file (appending) or stdout ("-").
//
// A process-wide instance (global()) is configured from config::AccessLog
// and reconfigured on reload (configure() is cheap when nothing changed).
// submit()/enabled() are safe from any thread; configure()/flush()/stop()
// from control threads (main, reload, tests).
#pragma once
#include <array>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <cstdio>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>

#include "config/config.hpp"
#include "http/context.hpp"

namespace strata::obs {

class Counter;

// A string of at most N bytes stored inline; longer input is truncated.
template <std::size_t N>
struct InlineString {
  std::uint16_t len = 0;
  std::array<char, N> data;
  void assign(std::string_view s) {
    len = std::uint16_t(s.size() < N ? s.size() : N);
    for (std::size_t i = 0; i < len; ++i) data[i] = s[i];
  }
  std::string_view view() const { return {data.data(), len}; }
};

struct AccessRecord {
  std::chrono::system_clock::time_point time;  // when the request started
  std::uint64_t duration_us = 0;
  std::uint64_t bytes_sent = 0;                 // response body bytes
  std::uint64_t bytes_received = 0;             // request body bytes
  int status = 0;                               // 0: no response head was sent
  std::uint16_t peer_port = 0;
  InlineString<48> peer_ip;
  InlineString<12> protocol;                    // "HTTP/1.1", "HTTP/2", ...
  InlineString<16> method;
  InlineString<8> scheme;
  InlineString<128> authority;
  InlineString<512> target;
  InlineString<48> listener;
  InlineString<64> route;                       // "" when no route matched
  InlineString<200> user_agent;
  InlineString<200> referer;
  InlineString<128> request_id;                 // ctx.request_id (incoming or generated)
  // Written to JSON only when non-empty (the combined format has none):
  InlineString<32> trace_id;                    // "trace_id": W3C trace id sent upstream
  InlineString<64> cluster;                     // "cluster": last upstream cluster tried
  InlineString<16> tier;                        // "tier": degradation tier that answered
  InlineString<32> reason;                      // "reason": why strata answered itself
  // Extension slots (http::Slot), each written under its kSlotNames name.
  std::array<InlineString<http::kSlotBytes>, std::size_t(http::Slot::count)> slots;
};

// JSON object on one line (no trailing newline); strings escaped.
std::string format_access_json(const AccessRecord& r);
// NCSA combined: ip - - [10/Oct/2000:13:55:36 +0000] "GET / HTTP/1.1" 200 2326 "ref" "ua"
std::string format_access_combined(const AccessRecord& r);

class AccessLogger {
 public:
  // `capacity` records are buffered (rounded up to a power of two).
  explicit AccessLogger(std::size_t capacity = 8192);
  ~AccessLogger();  // stops the writer after draining what is queued
  AccessLogger(const AccessLogger&) = delete;
  AccessLogger& operator=(const AccessLogger&) = delete;

  static AccessLogger& global();

  // Applies a config: opens the new destination (appending) before closing
  // the old one, sets the format, starts the writer thread on first use.
  // Disabled: records are refused by submit(). Returns false (and keeps
  // the previous destination) when the file cannot be opened; `error` says why.
  bool configure(const config::AccessLog& cfg, std::string* error = nullptr);

  bool enabled() const { return enabled_.load(std::memory_order_relaxed); }
  // Queues a copy of `r`; false when disabled or the queue is full (dropped).
  bool submit(const AccessRecord& r);
  // Blocks until everything submitted before the call is written and flushed.
  void flush();
  // Drains, stops the writer thread, closes the destination; configure() restarts.
  void stop();

  std::uint64_t dropped() const { return dropped_.load(std::memory_order_relaxed); }

 private:
  struct Slot {
    std::atomic<std::size_t> seq;
    AccessRecord rec;
  };
  bool pop(AccessRecord& out);
  void run();
  void write_one(const AccessRecord& r, std::string& line);

  std::unique_ptr<Slot[]> slots_;
  std::size_t mask_;
  alignas(64) std::atomic<std::size_t> enqueue_pos_{0};
  alignas(64) std::size_t dequeue_pos_ = 0;  // writer thread only

  std::atomic<bool> enabled_{false};
  std::atomic<bool> json_{true};
  std::atomic<bool> sleeping_{false};
  std::atomic<bool> stop_{false};
  std::atomic<std::uint64_t> submitted_{0};
  std::atomic<std::uint64_t> dropped_{0};
  Counter* dropped_metric_;

  std::mutex mu_;  // guards out_, path_, written_ and the condition variables
  std::condition_variable wake_;
  std::condition_variable written_cv_;
  std::uint64_t written_ = 0;
  std::FILE* out_ = nullptr;
  bool owns_out_ = false;
  std::string path_;
  std::thread thread_;
};

}  // namespace strata::obs
