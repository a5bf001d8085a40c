// Internals of `strata load --hub` shared by the runner, the subscriber
// connections and the publisher: the run description (read-only once the
// threads start, plus atomics for stop and progress) and one thread's
// state. Every HubThread is touched only by its own io_context's thread.
#pragma once
#include <atomic>
#include <cstdint>
#include <chrono>
#include <deque>
#include <functional>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>

#include "io/transport.hpp"
#include "tools/load/connector.hpp"
#include "tools/load/hub_options.hpp"
#include "tools/load/hub_stats.hpp"

namespace boost::asio::ssl {
class context;
}

namespace strata::tools::quic_client {
class ClientTls;
}

namespace strata::tools::load {

struct HubShared {
  HubOptions opt;
  Target target;                    // scheme (ws -> http), host, port of the URL
  std::string path_tpl;             // path?query template ({channel})
  std::vector<std::string> channels;
  std::vector<boost::asio::ip::tcp::endpoint> endpoints;
  std::shared_ptr<boost::asio::ssl::context> tls;
  // h3: one QUIC TLS context per thread (index = thread number).
  std::vector<std::shared_ptr<quic_client::ClientTls>> quic_tls;
  std::string extra_headers;        // "Name: value\r\n" lines (-H, --api-key)
  bool bind_sources = false;        // loopback IPv4 target: spread over 127.x sources
  unsigned first = 0, last = 0;     // this process's global connection indexes [first, last)
  std::atomic<bool> stop{false};
  std::atomic<std::int64_t> last_delivery_us{0};
  std::atomic<std::uint64_t> settled{0};   // connections established or given up
  std::atomic<std::uint64_t> finished{0};  // connections that got --messages
};

struct HubThread {
  HubThread(HubShared& g_, unsigned n) : g(g_), index(n), io(1) {}
  HubShared& g;
  unsigned index;
  boost::asio::io_context io;
  HubStats st;
  // Open connections and how to close each (called on stop); keyed by the
  // connection's address.
  std::unordered_map<const void*, std::function<void()>> live;
  std::deque<unsigned> queue;               // global indexes still to connect
  unsigned handshaking = 0;
  unsigned cap = 1;                         // handshakes in flight allowed on this thread
  std::vector<char> buf = std::vector<char>(64 * 1024);  // shared read buffer
};

// The accounting of one subscriber's connection attempt: the handshake
// slot it holds (released once, by established() or failed()), the connect
// histogram and the times of day.
class SubAttempt {
 public:
  explicit SubAttempt(HubThread& t);
  ~SubAttempt() { settle(); }
  void established();
  // Never established: an error, or unfinished when the run was stopped.
  void failed(HubError e);
  bool is_established() const { return established_; }

 private:
  void settle();
  HubThread& t_;
  std::chrono::steady_clock::time_point t0_;
  bool slot_ = true;
  bool established_ = false;
};

// Reads a subscriber's bytes. With `own_size` (HTTP/1.1 subscribers) plain
// TCP reads into a buffer of the connection's own with async_read_some: one
// recv per wakeup, no epoll_ctl (asio's async_wait re-arms epoll with
// EPOLL_CTL_MOD on every wait) and no extra recv that only returns EAGAIN;
// costs own_size bytes per connection. Without it (HTTP/2 subscribers), the
// thread's shared buffer: several connections wait at once, so the bytes
// may land in it only when this coroutine runs: wait for readability, then
// read without blocking (the socket must be in non-blocking mode). TLS
// (which buffers inside the stream) reads into a buffer of its own. After
// read(), `data` points at the bytes (valid until the next co_await).
struct SharedReader {
  io::Transport& tr;
  std::vector<char>& shared;
  std::vector<char> own;
  char* data = nullptr;
  std::size_t own_size = 0;
  boost::asio::awaitable<core::IoResult> read();
};

// Read buffer of one HTTP/1.1 subscriber (a batch of ten ~170-byte frames
// fits; more arrives in further reads): 40 MB for 10,000 subscribers.
inline constexpr std::size_t kSubscriberReadBuffer = 4096;

// Source address for global connection `i` (127.1.0.1 + i % sources).
boost::asio::ip::address hub_source_address(unsigned i, unsigned sources);

// How subscriber connection `i` connects (target, TLS, timeout, its source address).
ConnectParams hub_connect_params(const HubShared& g, unsigned i);

// The path of connection `i` (its channel expanded).
std::string hub_path_for(const HubShared& g, unsigned i);

// Starts queued subscriber connections while fewer than `cap` handshake.
void hub_launch_more(HubThread& t);

// One HTTP/1.1 subscriber (WebSocket upgrade or SSE GET), from connect to
// the end of the run.
boost::asio::awaitable<void> hub_subscriber_h1(HubThread& t, unsigned index);

// The same over HTTP/2 (extended CONNECT :protocol websocket, or GET),
// one connection per subscriber.
boost::asio::awaitable<void> hub_subscriber_h2(HubThread& t, unsigned index);

// The same over HTTP/3 (RFC 9220 extended CONNECT, or GET).
boost::asio::awaitable<void> hub_subscriber_h3(HubThread& t, unsigned index);

// Publisher connection `index` (of opt.connections) over HTTP/1.1.
boost::asio::awaitable<void> hub_publisher_h1(HubThread& t, unsigned index);

}  // namespace strata::tools::load
