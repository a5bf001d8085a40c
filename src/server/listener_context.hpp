// One listener on one worker: its acceptor, the current configuration
// snapshot for it, and its live connections (for drain). Implements
// conn::ServerContext. Used only on its worker's thread, except the
// process-wide connection counter, which is atomic.
#pragma once
#include <atomic>
#include <memory>
#include <unordered_set>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>

#include "conn/server_context.hpp"
#include "obs/metrics.hpp"

namespace strata::quic {
class Endpoint;
class EndpointGroup;
}

namespace strata::server {

class ListenerContext final : public conn::ServerContext,
                              public std::enable_shared_from_this<ListenerContext> {
 public:
  // Takes ownership of the listening socket `fd`.
  ListenerContext(boost::asio::any_io_executor ex, int fd, bool v6,
                  std::atomic<std::int64_t>& process_connections);
  ~ListenerContext() override;

  // conn::ServerContext
  std::shared_ptr<const conn::Snapshot> snapshot() const override { return snapshot_; }
  void refresh(std::shared_ptr<const conn::Snapshot>& held) const override {
    if (held != snapshot_) held = snapshot_;
  }
  bool draining() const override { return draining_; }
  void add(conn::Connection* c) override;
  void remove(conn::Connection* c) override;
  void count_parked(std::int64_t delta) override {
    if (active_) active_->add(delta);
  }

  void set_snapshot(std::shared_ptr<const conn::Snapshot> s) { snapshot_ = std::move(s); }
  void start();            // spawn the accept loop
  void stop_accepting();   // close the acceptor (and the QUIC endpoint, at once)
  void drain();            // stop accepting, ask every connection to wind down
  // HTTP/3: serve QUIC on `udp_fd` (owned from now on) for this worker.
  void attach_quic(int udp_fd, unsigned worker, std::shared_ptr<quic::EndpointGroup> group);
  void detach_quic();      // h3 turned off by a reload: drain the endpoint
  void abandon_quic();     // worker stopped: break reference cycles (Server::stop)
  bool has_quic() const { return quic_ != nullptr; }
  std::size_t connections() const { return conns_.size(); }

 private:
  boost::asio::awaitable<void> accept_loop();

  boost::asio::ip::tcp::acceptor acceptor_;
  std::shared_ptr<quic::Endpoint> quic_;
  std::shared_ptr<const conn::Snapshot> snapshot_;
  std::unordered_set<conn::Connection*> conns_;
  std::atomic<std::int64_t>& process_connections_;
  bool draining_ = false;
  obs::Gauge* active_ = nullptr;
  obs::Counter* accepted_ = nullptr;
  obs::Counter* rejected_ = nullptr;
};

}  // namespace strata::server
