// Multiplexed HTTP/2 connections to one endpoint, per worker. acquire()
// hands out a connection with a free stream slot; when every connection is
// full (or gone), one new connection is opened at a time while the other
// requesters wait for it, up to `max_connections` (cluster
// max_connections_per_endpoint); at the cap, requesters wait for a slot
// until their deadline. Connections that received GOAWAY or died leave the
// pool at once (their streams finish on their own). Idle connections close
// themselves after the cluster idle_timeout (see H2Conn).
// Use on the owning worker's executor only.
#pragma once
#include <chrono>
#include <cstdint>
#include <list>
#include <memory>
#include <vector>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>

#include "upstream/pool/connector.hpp"
#include "upstream/pool/h2_conn.hpp"

namespace strata::upstream::pool {

class H2Pool {
 public:
  H2Pool(boost::asio::any_io_executor ex, const H2ConnOptions& opt, std::uint32_t max_connections);
  ~H2Pool();
  H2Pool(const H2Pool&) = delete;
  H2Pool& operator=(const H2Pool&) = delete;

  struct Lease {
    std::shared_ptr<H2Conn> conn;  // has room; open() before the next co_await
    boost::system::error_code ec;           // connect failure, timed_out, or operation_aborted (closed)
    bool connect_failed = false;   // ec came from opening a connection
  };

  // `co` opens new connections (TLS when co.tls is set); `require_h2`
  // rejects TLS connections whose ALPN is not "h2". `avoid` is skipped
  // (a retry after a refused stream goes elsewhere).
  boost::asio::awaitable<Lease> acquire(const std::vector<boost::asio::ip::tcp::endpoint>& addrs,
                                        const ConnectOptions& co, bool require_h2,
                                        std::chrono::steady_clock::time_point deadline,
                                        const H2Conn* avoid = nullptr);
  // Closes idle connections; busy ones close when their streams end. Later
  // acquire() calls fail.
  void close();
  std::size_t connections() const { return conns_.size(); }
  std::uint64_t opened() const { return opened_; }  // connections ever opened

 private:
  void prune();
  void notify_all();

  boost::asio::any_io_executor ex_;
  H2ConnOptions opt_;
  std::uint32_t max_connections_;
  std::vector<std::shared_ptr<H2Conn>> conns_;
  std::list<boost::asio::steady_timer*> waiters_;
  std::uint32_t connecting_ = 0;
  std::uint64_t connect_failures_ = 0;
  boost::system::error_code last_error_;
  std::uint64_t opened_ = 0;
  bool closed_ = false;
  std::shared_ptr<H2Pool*> self_;  // on_change callbacks check it is alive
};

}  // namespace strata::upstream::pool
