// Idle HTTP/1.1 keep-alive connections to one endpoint, per worker.
// At most max_idle connections are kept; each is closed after idle_timeout
// (or when the peer closes it, detected on take()). LIFO so warm
// connections are reused first. Use on the owning worker's executor only.
#pragma once
#include <chrono>
#include <cstdint>
#include <list>
#include <memory>

#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core/flat_buffer.hpp>

#include "http/message.hpp"
#include "io/transport.hpp"

namespace strata::obs {
class Gauge;
}

namespace strata::upstream::pool {

// One upstream HTTP/1.1 connection and the bytes read past the last response.
struct H1Conn {
  explicit H1Conn(std::unique_ptr<io::Transport> t)
      : transport(std::move(t)), idle_timer(transport->get_executor()) {}
  std::unique_ptr<io::Transport> transport;
  boost::beast::flat_buffer buf;
  boost::asio::steady_timer idle_timer;
  std::uint64_t requests = 0;  // requests sent on this connection
  // The response head of the current request, reused so its header blocks
  // are allocated once per connection.
  http::Response resp;
  // Body scratch reused by every request on this connection (not zeroed).
  std::unique_ptr<char[]> scratch;
  std::size_t scratch_size = 0;
  std::shared_ptr<void> guard;  // released with the connection (cluster connection count)
};

class H1Pool {
 public:
  // `idle_gauge` counts idle connections (shared by a cluster's pools).
  H1Pool(std::uint32_t max_idle, std::chrono::milliseconds idle_timeout, obs::Gauge* idle_gauge);
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
  // Closes every idle connection; later put()s close theirs.
  void close();
  std::size_t idle() const { return idle_.size(); }

 private:
  void erase(H1Conn* c);

  std::uint32_t max_idle_;
  std::chrono::milliseconds idle_timeout_;
  obs::Gauge* idle_gauge_;
  bool closed_ = false;
  std::list<std::unique_ptr<H1Conn>> idle_;
  std::shared_ptr<H1Pool*> self_;  // idle timers check it is still alive
};

// True when a pooled TCP connection looks unusable: peer closed, socket
// error, or (plain TCP only) unsolicited bytes waiting.
bool looks_stale(io::Transport& t);

}  // namespace strata::upstream::pool
