// The QUIC endpoint of one listener on one worker: its UDP socket (one per
// worker, SO_REUSEPORT on the listener's port), the connections it owns,
// and the stateless side of QUIC:
//   - routing by destination connection ID; a packet whose DCID names
//     another worker (migration, NAT rebinding: the kernel hashed the new
//     4-tuple elsewhere) is handed to that worker's endpoint;
//   - version negotiation, stateless resets (token from a secret), Retry
//     (retry: never | always | under-load) and NEW_TOKEN validation;
//   - per-source limits (connections and handshake rate per /24 or /64);
//   - drain: no new connections, the socket stays open until the
//     existing ones finish.
// Everything runs on the worker's thread; the EndpointGroup is the only
// cross-worker object (forwarding and the shared source limits).
#pragma once
#include <sys/socket.h>

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/udp.hpp>

#include "io/udp.hpp"

namespace strata::config {
struct Quic;
}

namespace strata::quic {

class Host;  // quic/application.hpp

class Connection;
class Endpoint;
class SourceLimits;
class TokenIssuer;

// One per listener address: the endpoints of every worker.
class EndpointGroup {
 public:
  explicit EndpointGroup(unsigned workers);
  ~EndpointGroup();
  unsigned workers() const { return unsigned(slots_.size()); }
  void set(unsigned worker, std::weak_ptr<Endpoint> ep, boost::asio::any_io_executor ex);
  // Copies the datagram to `worker`'s endpoint (posted to its thread).
  // False when that worker has no endpoint.
  bool forward(unsigned worker, const io::Datagram& d);
  SourceLimits& limits() { return *limits_; }
  void configure(const config::Quic& q);  // source limits, on (re)load
  const TokenIssuer& tokens() const { return *tokens_; }

 private:
  struct Slot {
    std::weak_ptr<Endpoint> ep;
    boost::asio::any_io_executor ex;
  };
  std::mutex mu_;
  std::vector<Slot> slots_;
  std::unique_ptr<SourceLimits> limits_;
  std::unique_ptr<TokenIssuer> tokens_;
};

class Endpoint : public std::enable_shared_from_this<Endpoint> {
 public:
  // Takes ownership of the bound UDP socket `fd`.
  Endpoint(boost::asio::any_io_executor ex, int fd, unsigned worker,
           std::shared_ptr<EndpointGroup> group, std::shared_ptr<Host> host,
           std::atomic<std::int64_t>& process_connections);
  ~Endpoint();
  Endpoint(const Endpoint&) = delete;
  Endpoint& operator=(const Endpoint&) = delete;

  void start();
  // Called on the worker after each connection has ended and been let go
  // (the server counts it for the heap trim, conn/memory_trim.hpp).
  void on_connection_gone(std::function<void()> f) { gone_ = std::move(f); }
  void drain();  // no new connections; close when the last one is gone
  void stop();   // close every connection and the socket now
  // After the worker thread has stopped: drop every connection reference
  // and the context, so nothing keeps the Endpoint <-> Connection <->
  // ListenerContext cycle alive (objects still named by pending handlers
  // go when the io_context is destroyed).
  void abandon();

  // A datagram forwarded by another worker (runs on this worker).
  void deliver(const io::Datagram& d);

  // --- for connections ---
  boost::asio::any_io_executor executor() const { return ex_; }
  unsigned worker() const { return worker_; }
  const sockaddr* local() const { return reinterpret_cast<const sockaddr*>(&local_); }
  socklen_t local_len() const { return local_len_; }
  Host& host() { return *host_; }
  EndpointGroup& group() { return *group_; }
  // Sends datagrams of `segment` bytes; false when the socket is full (the
  // connection retries after writable() fires).
  io::SendResult send(const sockaddr* remote, socklen_t len, const std::uint8_t* data,
                      std::size_t n, std::size_t segment, std::size_t* sent);
  void wait_writable(std::shared_ptr<Connection> c);
  // Packet buffer shared by this worker's connections for one write batch.
  std::vector<std::uint8_t>& scratch() { return scratch_; }
  void add_cid(const std::uint8_t* cid, std::size_t len, const std::shared_ptr<Connection>& c);
  void remove_cid(const std::uint8_t* cid, std::size_t len);
  void handshake_done(Connection& c);    // no longer counts as in flight
  void closed(Connection& c);            // connection finished: drop it
  std::atomic<std::int64_t>& process_connections() { return process_connections_; }

 private:
  boost::asio::awaitable<void> recv_loop();
  boost::asio::awaitable<void> write_waiter();
  void on_datagram(const io::Datagram& d);
  void accept(const io::Datagram& d, const std::string& dcid_key);
  void send_version_negotiation(const io::Datagram& d, const std::uint8_t* dcid, std::size_t dcidlen,
                                const std::uint8_t* scid, std::size_t scidlen);
  void send_stateless_reset(const io::Datagram& d, const std::uint8_t* dcid, std::size_t dcidlen);
  void send_retry(const io::Datagram& d, const void* hd);
  void send_refusal(const io::Datagram& d, const void* hd, std::uint64_t code);
  void maybe_finish();

  boost::asio::any_io_executor ex_;
  boost::asio::ip::udp::socket sock_;
  int fd_;
  unsigned worker_;
  std::shared_ptr<EndpointGroup> group_;
  std::shared_ptr<Host> host_;
  std::function<void()> gone_;
  std::atomic<std::int64_t>& process_connections_;
  sockaddr_storage local_{};
  socklen_t local_len_ = 0;
  io::RecvBatch batch_;
  bool gso_ = true;
  bool draining_ = false;
  bool stopped_ = false;
  bool write_waiting_ = false;
  std::size_t in_flight_ = 0;  // handshakes not yet complete
  // Keyed by the CID bytes; looked up by string_view (no allocation per
  // datagram: an 18-byte CID does not fit std::string's inline buffer).
  struct CidHash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };
  std::unordered_map<std::string, std::shared_ptr<Connection>, CidHash, std::equal_to<>> by_cid_;
  std::unordered_map<Connection*, std::shared_ptr<Connection>> conns_;
  std::vector<std::uint8_t> scratch_;
  std::vector<std::weak_ptr<Connection>> blocked_;
  // stateless reset rate limit (per second)
  std::uint32_t resets_this_second_ = 0;
  std::int64_t reset_second_ = 0;
};

}  // namespace strata::quic
