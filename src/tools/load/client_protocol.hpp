// The contract between the load runner and a client-protocol driver. A
// driver runs one connection's requests until the connection ends (error,
// server close, quota or deadline) and accounts every request it took.
// HTTP/1.1 and HTTP/2 ride a TCP/TLS io::Transport; HTTP/3 brings its own
// QUIC connection (quic_client::ClientConn) and plugs in at run_connection().
// All of it runs on one worker thread's io_context.
#pragma once
#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>

#include "io/transport.hpp"
#include "tools/load/options.hpp"
#include "tools/load/rate_schedule.hpp"
#include "tools/load/stats.hpp"

namespace boost::asio::ssl {
class context;
}
namespace strata::tools::load {
class HoldState;
}
namespace strata::tools::quic_client {
class ClientTls;
}

namespace strata::tools::load {

using clock_type = std::chrono::steady_clock;
using time_point = clock_type::time_point;

// Read-only run description shared by all threads (plus the stop flag).
struct RunShared {
  LoadOptions opt;
  Target target;
  std::string body;                               // -d contents
  std::vector<std::string> h1_requests;           // one serialized request per path
  std::vector<std::vector<std::pair<std::string, std::string>>> h2_headers;  // per path
  std::shared_ptr<boost::asio::ssl::context> tls; // null for http
  // h3: one QUIC TLS context (and 0-RTT ticket cache) per thread, indexed
  // by thread number (connection index % threads).
  std::vector<std::shared_ptr<quic_client::ClientTls>> quic_tls;
  std::vector<boost::asio::ip::tcp::endpoint> endpoints;
  std::vector<boost::asio::ip::address> sources;  // --source, parsed
  time_point start{};
  time_point measure_from{};                      // start + warmup
  time_point deadline = time_point::max();        // duration mode
  std::chrono::nanoseconds timeout{std::chrono::seconds(10)};
  std::atomic<bool> stop{false};
  HoldState* hold = nullptr;                      // --hold, else null
};

// --ramp: waits until connection `index`'s turn to make its first connect.
boost::asio::awaitable<void> ramp_wait(const RunShared& g, unsigned index);

// One request in flight: its (intended) start and first-byte time.
struct InFlight {
  time_point start{};
  time_point first_byte{};
  std::size_t path = 0;
};

// Per connection bookkeeping; lives for the whole run on its thread.
class ConnState {
 public:
  ConnState(const RunShared& g, ThreadStats& st, unsigned index, std::uint64_t quota);

  const RunShared& g;
  ThreadStats& st;
  const unsigned index;

  // Whether more requests may be started at all (quota, deadline, stop).
  bool more(time_point now) const;
  // Takes the next request if one may start now: closed loop -> start=now;
  // open loop -> only when its intended time has come, start=intended.
  std::optional<InFlight> take(time_point now);
  // Open loop: intended time of the next request (nullopt in closed loop).
  std::optional<time_point> next_intended() const;
  // Completed response / lost request accounting.
  void complete(const InFlight& r, time_point done, int status, std::uint64_t body);
  void lose(std::uint64_t n) { st.failed += n; }
  // Still in flight when the run's deadline (or stop) closed the
  // connection: neither a success nor a failure (wrk and h2load do not
  // count them either).
  void cut(std::uint64_t n) { st.unfinished += n; }
  bool measuring(time_point t) const { return t >= g.measure_from && t <= g.deadline; }
  // -n mode: gives up the untaken quota (counted as failed).
  void abandon() {
    st.failed += quota_;
    quota_ = 0;
  }
  // The negotiated protocol of this connection's first successful connect.
  std::string protocol;

 private:
  bool counted_;  // -n mode
  std::uint64_t quota_;
  std::optional<RateSchedule> sched_;
  std::uint64_t seq_ = 0;
  std::size_t path_rr_ = 0;
};

// Shared by a connection driver and its watchdog: closes the transport on
// a per-request timeout, at the deadline or on stop.
struct ConnRuntime {
  explicit ConnRuntime(std::unique_ptr<io::Transport> t);
  std::unique_ptr<io::Transport> transport;
  boost::asio::steady_timer tick;
  bool done = false;
  bool timed_out = false;
  bool stopped = false;  // closed because the run ended (not an error)
  time_point oldest = time_point::max();  // oldest in-flight start
};
// Runs until rt->done; checks every 50 ms.
boost::asio::awaitable<void> watchdog(std::shared_ptr<ConnRuntime> rt, const RunShared& g);

// Drivers: run requests over an established connection until it ends.
boost::asio::awaitable<void> drive_h1(ConnState& cs, std::shared_ptr<ConnRuntime> rt);
boost::asio::awaitable<void> drive_h2(ConnState& cs, std::shared_ptr<ConnRuntime> rt);

// HTTP/3: QUIC connect (with reconnects, 0-RTT when a ticket is cached)
// and requests, until the connection's work is done (h3_driver.cpp).
boost::asio::awaitable<void> run_connection_h3(ConnState& cs);

// Connect (with reconnects) and pick a driver, until the connection's work
// is done.
boost::asio::awaitable<void> run_connection(ConnState& cs);

}  // namespace strata::tools::load
