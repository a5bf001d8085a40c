// Idle HTTP/1.1 keep-alive connections to one endpoint, per worker.
// How many are kept adapts to use: at least max_idle, and up to the recent
// peak of live connections (busy + idle, counted through lease()), so a
// burst of concurrency above max_idle does not close connections on put()
// only to open them again on the next burst. The peak decays: it restarts
// from the current count once a window (idle_timeout, at least 1 s) has
// passed since it was set; it never exceeds `hard_max`. Each idle
// connection is closed after idle_timeout (or when the peer closes it,
// detected on take()). LIFO so warm connections are reused first, which
// keeps the idle list in put order, oldest first: one timer per pool, set
// for the oldest, closes what has been idle too long and is set again for
// the next, so put() and take() arm and cancel no timer (a busy pool sets
// it about once per idle_timeout). Its own Asio timer, not an entry in the
// worker's io::Deadlines list: that list is kept sorted by walking back
// from its latest entry, and pools' long deadlines there would sit behind
// every short per-try one. Use on the owning worker's executor only.
#pragma once
#include <chrono>

#include "core/loop_clock.hpp"
#include <cstdint>
#include <vector>
#include <memory>

#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core/flat_buffer.hpp>

#include "core/clock.hpp"
#include "http/message.hpp"
#include "io/transport.hpp"

namespace strata::obs {
class Counter;
class Gauge;
}

namespace strata::upstream::pool {

// One upstream HTTP/1.1 connection and the bytes read past the last response.
struct H1Conn {
  explicit H1Conn(std::unique_ptr<io::Transport> t) : transport(std::move(t)) {}
  std::unique_ptr<io::Transport> transport;
  boost::beast::flat_buffer buf;
  std::chrono::steady_clock::time_point idle_since{};  // when put() took it back (loop time)
  std::uint64_t requests = 0;  // requests sent on this connection
  // The part of a request head that had to wait for socket room (or a TLS
  // upstream's whole head); heads are built in a per-thread buffer.
  std::string head;
  // Body scratch reused by every request on this connection (not zeroed).
  std::unique_ptr<char[]> scratch;
  std::size_t scratch_size = 0;
  std::shared_ptr<void> guard;  // released with the connection (cluster connection count)
  std::shared_ptr<void> lease;  // released with the connection (the pool's live count)
};

class H1Pool {
 public:
  // `idle_gauge` counts idle connections (shared by a cluster's pools);
  // `overflow` counts connections closed by put() because the pool was full.
  H1Pool(std::uint32_t max_idle, std::chrono::milliseconds idle_timeout, obs::Gauge* idle_gauge,
         std::uint32_t hard_max = 1024, obs::Counter* overflow = nullptr,
         const core::Clock& clock = core::LoopClock::instance());
  ~H1Pool();
  H1Pool(const H1Pool&) = delete;
  H1Pool& operator=(const H1Pool&) = delete;

  // A live idle connection, or null. Connections that hold unexpected
  // bytes are dropped on the way, and with `probe` those the peer closed
  // or wrote to (one non-blocking MSG_PEEK recv each). Without it a closed
  // connection shows when the request goes out (EOF/reset before any
  // response byte, or a 408): callers that resend then (an idempotent
  // request without a body) skip the syscall.
  std::unique_ptr<H1Conn> take(bool probe = true);
  // Returns a connection after a complete keep-alive exchange; closed when
  // the pool is full or closed.
  void put(std::unique_ptr<H1Conn> c);
  // Counts a new connection of this endpoint as live until the returned
  // handle is released (keep it in H1Conn::lease); raises the peak.
  std::shared_ptr<void> lease();
  // Closes every idle connection; later put()s close theirs.
  void close();
  std::size_t idle() const { return idle_.size(); }
  std::uint32_t live() const { return *live_; }
  // How many idle connections put() keeps now: max(max_idle, recent peak), at most hard_max.
  std::uint32_t idle_cap();

 private:
  // Closes the connections idle for idle_timeout or longer (the oldest
  // first) and sets the timer for the next one.
  void sweep();
  // Sets sweep_timer_ (made by put()) for the oldest idle connection.
  void arm_sweep();

  std::uint32_t max_idle_;
  std::chrono::milliseconds idle_timeout_;
  obs::Gauge* idle_gauge_;
  std::uint32_t hard_max_;
  obs::Counter* overflow_;
  const core::Clock& clock_;
  std::shared_ptr<std::uint32_t> live_ = std::make_shared<std::uint32_t>(0);
  std::uint32_t peak_ = 0;             // most live connections since peak_since_
  core::Clock::time_point peak_since_{};
  bool closed_ = false;
  // Oldest first; a vector (not a list) so put() allocates no node.
  std::vector<std::unique_ptr<H1Conn>> idle_;
  // Created at the first put() (the pool has no executor before); set
  // while sweep_armed_.
  std::unique_ptr<boost::asio::steady_timer> sweep_timer_;
  bool sweep_armed_ = false;
  std::shared_ptr<H1Pool*> self_;  // the timer's handler checks the pool is still there
};

// True when a pooled TCP connection looks unusable: peer closed, socket
// error, or (plain TCP only) unsolicited bytes waiting.
bool looks_stale(io::Transport& t);

}  // namespace strata::upstream::pool
