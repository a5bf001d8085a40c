// The running gateway: workers, their listeners and upstreams, and the
// configuration generations. Lives on the main thread, which also handles
// signals; everything per-connection happens on workers.
//
// start()  opens every listener (SO_REUSEPORT, one socket per worker) and
//          starts the workers.
// reload() applies a new Config: listeners are reconciled (kept, opened or
//          closed by address), each worker swaps in new per-listener
//          snapshots; in-flight requests keep the snapshot they started with.
//          On any error nothing changes and the error is returned.
// drain()  stops accepting, asks every connection to finish (h1 close after
//          the response, h2 GOAWAY), waits up to the timeout, stops workers.
#pragma once
#include <atomic>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <boost/asio/ip/tcp.hpp>

#include "config/config.hpp"
#include "http/exchange.hpp"
#include "upstream/upstreams.hpp"

namespace strata::io {
class Worker;
}

namespace strata::hub {
class Hub;
}

namespace strata::server {

class ListenerContext;

// Builds a listener's handler for a generation; runs on the worker thread.
using HandlerFactory = std::function<std::shared_ptr<http::Handler>(
    std::shared_ptr<const config::Config>, const config::Listener&, std::shared_ptr<upstream::Upstreams>)>;

struct BoundListener {
  std::string name;
  std::string address;                     // as configured
  boost::asio::ip::tcp::endpoint endpoint; // as bound (port 0 resolved)
  bool tls = false;
  bool h3 = false;                         // QUIC on the same port (UDP)
};

class Server {
 public:
  // `factory` builds handlers for configured listeners; null means the
  // router pipeline. The admin listener always gets the admin handler.
  explicit Server(HandlerFactory factory = nullptr);
  ~Server();

  void start(std::shared_ptr<const config::Config> cfg);  // throws on bind/TLS errors
  std::string reload(std::shared_ptr<const config::Config> cfg);  // "" on success
  void drain(std::chrono::milliseconds timeout);
  void stop();

  std::vector<BoundListener> bound() const;
  bool draining() const { return draining_.load(); }
  std::shared_ptr<const config::Config> config() const;
  std::int64_t connections() const { return connections_.load(); }
  // Live hub clients (WebSocket, SSE); h1 WebSockets no longer count in connections().
  std::int64_t hub_sessions() const { return hub_live_.load(); }

 private:
  struct OpenListener;
  struct WorkerSlot;
  void apply(std::shared_ptr<const config::Config> cfg, std::map<std::string, OpenListener>& next);

  HandlerFactory factory_;
  // The process-wide hub (created with the workers, kept across reloads);
  // destroyed in stop() after the worker threads, before their io_contexts.
  std::unique_ptr<hub::Hub> hub_;
  std::atomic<std::int64_t> hub_live_{0};
  std::vector<std::unique_ptr<WorkerSlot>> workers_;
  std::map<std::string, OpenListener> listeners_;  // key: listener address
  std::shared_ptr<const config::Config> config_;
  std::atomic<bool> draining_{false};
  std::atomic<std::int64_t> connections_{0};
  mutable std::mutex mu_;
};

// The effective listener list of a config: its listeners plus the admin one.
std::vector<config::Listener> effective_listeners(const config::Config& cfg);

}  // namespace strata::server
