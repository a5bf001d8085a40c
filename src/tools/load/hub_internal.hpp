// Internals of `strata load --hub` shared by the runner, the subscriber
// connections and the publisher: the run description (read-only once the
// threads start, plus atomics for stop and progress) and one thread's
// state. Every HubThread is touched only by its own io_context's thread.
#pragma once
#include <atomic>
#include <cstdint>
#include <deque>
#include <memory>
#include <string>
#include <unordered_set>
#include <vector>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>

#include "io/transport.hpp"
#include "tools/load/hub_options.hpp"
#include "tools/load/hub_stats.hpp"

namespace boost::asio::ssl {
class context;
}

namespace strata::tools::load {

struct HubShared {
  HubOptions opt;
  Target target;                    // scheme (ws -> http), host, port of the URL
  std::string path_tpl;             // path?query template ({channel})
  std::vector<std::string> channels;
  std::vector<boost::asio::ip::tcp::endpoint> endpoints;
  std::shared_ptr<boost::asio::ssl::context> tls;
  std::string extra_headers;        // "Name: value\r\n" lines (-H, --api-key)
  bool bind_sources = false;        // loopback IPv4 target: spread over 127.x sources
  unsigned first = 0, last = 0;     // this process's global connection indexes [first, last)
  std::atomic<bool> stop{false};
  std::atomic<std::int64_t> last_delivery_us{0};
  std::atomic<std::uint64_t> settled{0};   // connections established or given up
  std::atomic<std::uint64_t> finished{0};  // connections that got --messages
};

struct HubThread {
  explicit HubThread(HubShared& g_) : g(g_), io(1) {}
  HubShared& g;
  boost::asio::io_context io;
  HubStats st;
  std::unordered_set<io::Transport*> live;  // open subscriber transports (closed on stop)
  std::deque<unsigned> queue;               // global indexes still to connect
  unsigned handshaking = 0;
  unsigned cap = 1;                         // handshakes in flight allowed on this thread
  std::vector<char> buf = std::vector<char>(64 * 1024);  // shared read buffer
};

// Source address for global connection `i` (127.1.0.1 + i % sources).
boost::asio::ip::address hub_source_address(unsigned i, unsigned sources);

// The path of connection `i` (its channel expanded).
std::string hub_path_for(const HubShared& g, unsigned i);

// Starts queued subscriber connections while fewer than `cap` handshake.
void hub_launch_more(HubThread& t);

// One HTTP/1.1 subscriber (WebSocket upgrade or SSE GET), from connect to
// the end of the run.
boost::asio::awaitable<void> hub_subscriber_h1(HubThread& t, unsigned index);

// Publisher connection `index` (of opt.connections) over HTTP/1.1.
boost::asio::awaitable<void> hub_publisher_h1(HubThread& t, unsigned index);

}  // namespace strata::tools::load
