// What a downstream connection needs from the server around it: the current
// configuration generation for its listener (taken once per request, so an
// in-flight request keeps the snapshot it started with), the drain state,
// and a registry so SIGTERM/reload can ask every connection to wind down.
// One ServerContext per (worker, listener); used on that worker's thread.
#pragma once
#include <cstdint>
#include <memory>
#include <string>

#include <boost/asio/awaitable.hpp>

#include "config/config.hpp"
#include "conn/timer.hpp"
#include "http/exchange.hpp"
#include "io/transport.hpp"

namespace boost::asio::ssl {
class context;
}
namespace strata::quic {
class TlsServer;
}
namespace strata::security {
class ListenerGate;
}

namespace strata::conn {

// One listener's view of one configuration generation.
struct Snapshot {
  std::shared_ptr<const config::Config> config;
  const config::Listener* listener = nullptr;   // points into *config
  std::shared_ptr<http::Handler> handler;       // filters + router + actions
  std::string alt_svc;                          // value for Alt-Svc, "" = none
  std::shared_ptr<boost::asio::ssl::context> tls;  // null: plain listener
  std::shared_ptr<const quic::TlsServer> quic_tls; // null: no HTTP/3
  std::shared_ptr<const void> keep;             // pins data `listener` may point into
  std::shared_ptr<const security::ListenerGate> gate;  // PROXY, allow/deny, connection limit; null: none
};

// A live downstream connection, as seen by drain.
class Connection {
 public:
  virtual ~Connection() = default;
  // Stop taking new requests: h1 sends "Connection: close" on the next
  // response and closes when idle; h2 sends GOAWAY and closes when its
  // streams are done. Idempotent. Called on the connection's worker.
  virtual void drain() = 0;
  // False for a stand-in that is not itself an open connection (the group
  // of parked HTTP/1.1 connections, conn/http1_parked.hpp, which reports
  // its members through ServerContext::count_parked instead).
  virtual bool counted() const { return true; }
};

class ServerContext {
 public:
  virtual ~ServerContext() = default;
  virtual std::shared_ptr<const Snapshot> snapshot() const = 0;
  // Points `held` at the current snapshot. A context that keeps its
  // snapshot as a member does so only when it changed, with no reference
  // count traffic (atomic in a multi-threaded process) per request.
  virtual void refresh(std::shared_ptr<const Snapshot>& held) const { held = snapshot(); }
  virtual bool draining() const = 0;
  virtual void add(Connection* c) = 0;
  virtual void remove(Connection* c) = 0;
  // Open connections parked as records (conn/http1_parked.hpp): +1 when
  // one parks, -1 when it wakes or closes. Default: ignored.
  virtual void count_parked(std::int64_t delta) {}
  // The clock and timer queue the connections use (conn/timer.hpp).
  // Default: real time. Tests return a fake clock and a manual queue.
  virtual const ConnTime& time() const {
    static const ConnTime real;
    return real;
  }
};

// RAII registration of a connection with its context.
class Registration {
 public:
  Registration(ServerContext& ctx, Connection* c) : ctx_(ctx), c_(c) { ctx_.add(c_); }
  ~Registration() { ctx_.remove(c_); }
  Registration(const Registration&) = delete;
  Registration& operator=(const Registration&) = delete;
 private:
  ServerContext& ctx_;
  Connection* c_;
};

// An HTTP/1.1 request that asked for "Upgrade: h2c" (RFC 7540 3.2), handed
// from the h1 driver to the h2 driver, which serves it as stream 1.
struct H2cUpgrade {
  http::Request request;
  std::string settings_payload;   // decoded HTTP2-Settings
  std::string body;               // request body already read (bounded)
};

// Connection drivers: each owns the transport until it returns. The
// HTTP/1.1 one is a thin wait on start_http1 (conn/http1_connection.hpp),
// whose connection parks between requests without a coroutine frame;
// serve_http1 returns when that connection (or its h2c successor) ends.
// `initial` holds bytes already read while detecting the protocol.
boost::asio::awaitable<void> serve_http1(std::unique_ptr<io::Transport> t, ServerContext& ctx,
                                         http::ConnInfo info, std::string initial);
boost::asio::awaitable<void> serve_http2(std::unique_ptr<io::Transport> t, ServerContext& ctx,
                                         http::ConnInfo info, std::string initial,
                                         std::unique_ptr<H2cUpgrade> upgrade = nullptr);

}  // namespace strata::conn
