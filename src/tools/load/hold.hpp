// `strata load --hold SECONDS` (-n mode): a connection that has finished
// its requests stays open and idle instead of closing, until every
// connection has finished (or given up) and SECONDS more have passed; then
// all close. `--ready-file FILE` is written when the last one has finished:
// the moment to measure what idle connections cost the server (bench/run's
// idle memory for HTTP/3, which Python cannot speak). Connections of all
// threads count together; the waiting costs no timer per connection (one
// timer per thread, all held connections of the thread wait on it).
#pragma once
#include <atomic>
#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>

namespace strata::tools::load {

class HoldState {
 public:
  // `ios`: the runner's io_contexts (connection i runs on ios[i % size]).
  HoldState(const std::vector<boost::asio::io_context*>& ios, unsigned connections, double hold_s,
            std::string ready_file);

  // The calling connection (of thread `thread`) finished its requests and
  // is open: returns when the hold ends. At most once per connection, on
  // its thread; exclusive with done_unheld().
  boost::asio::awaitable<void> held(unsigned thread);
  // The connection ended without being held (failures, stop, the server
  // closed it): counted so that the others are not held for it.
  void done_unheld();

  unsigned held_now() const { return held_.load(); }

 private:
  void arrived(bool is_held);
  void release_at(std::chrono::steady_clock::time_point t);

  std::vector<boost::asio::io_context*> ios_;
  std::vector<std::unique_ptr<boost::asio::steady_timer>> timers_;  // one per thread
  const unsigned connections_;
  const std::chrono::nanoseconds hold_;
  const std::string ready_file_;
  std::atomic<unsigned> arrived_{0};
  std::atomic<unsigned> held_{0};
  // When the hold ends (steady clock, ns since its epoch); max until all arrived.
  std::atomic<std::int64_t> release_ns_{INT64_MAX};
};

// A connection's part in the hold: unless marked held, its end (this
// object going out of scope, with the connection's coroutine) counts as
// done_unheld(). No-op without --hold.
class HoldGuard {
 public:
  explicit HoldGuard(HoldState* h) : h_(h) {}
  ~HoldGuard() {
    if (h_ && !held_) h_->done_unheld();
  }
  HoldGuard(const HoldGuard&) = delete;
  HoldGuard& operator=(const HoldGuard&) = delete;
  void mark_held() { held_ = true; }

 private:
  HoldState* h_;
  bool held_ = false;
};

}  // namespace strata::tools::load
