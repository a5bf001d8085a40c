// One server-side QUIC connection: ngtcp2_conn + its GnuTLS session +
// the HTTP/3 application (conn/http3_connection). Owned by its Endpoint
// (on one worker); request coroutines keep it alive through keep_alive().
//
// Life: init() from the client's first Initial -> packets (on_datagram)
// and timers drive ngtcp2 -> write() packs stream data into packets and
// sends them (GSO batches, paced by ngtcp2) -> on close: CONNECTION_CLOSE,
// closing/draining period of 3 PTO, then Endpoint::closed().
#pragma once
#include <sys/socket.h>

#include <cstdint>
#include <memory>
#include <string>
#include <unordered_set>
#include <vector>

#include <boost/asio/steady_timer.hpp>

#include <ngtcp2/ngtcp2.h>

#include "quic/application.hpp"
#include "io/udp.hpp"
#include "quic/tls_server.hpp"

struct ngtcp2_crypto_conn_ref;

namespace strata::config {
struct Quic;
}

namespace strata::quic {

class Endpoint;

class Connection final : public std::enable_shared_from_this<Connection>,
                         public AppTransport,
                         public TlsPeer {
 public:
  explicit Connection(std::shared_ptr<Endpoint> ep);
  ~Connection() override;
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  // From the client's first Initial (`hd`); `odcid` set after a Retry;
  // `token_ok`: the client proved its address (Retry or NEW_TOKEN token).
  bool init(const io::Datagram& d, const ngtcp2_pkt_hd& hd, const ngtcp2_cid* odcid,
            bool token_ok);
  void on_datagram(const io::Datagram& d);
  void on_writable();  // the endpoint's socket can take more
  void drain();        // GOAWAY, close once requests finish
  void stop();         // close now (CONNECTION_CLOSE)
  bool handshake_completed() const { return handshake_done_; }
  const std::string& client_dcid() const { return client_dcid_; }
  std::vector<std::string> scids() const;  // our connection IDs in use
  ngtcp2_conn* native() const { return conn_; }
  // The address the connection was admitted from (per-source limits).
  const sockaddr* source() const { return reinterpret_cast<const sockaddr*>(&source_); }

  // AppTransport
  void consumed(std::int64_t sid, std::uint64_t n) override;
  void shutdown_stream_read(std::int64_t sid, std::uint64_t code) override;
  void reset_stream(std::int64_t sid, std::uint64_t code) override;
  void stream_done(std::int64_t sid) override;
  void kick() override;
  bool stream_early(std::int64_t sid) const override { return early_streams_.count(sid) > 0; }
  std::uint64_t hello_fingerprint() const override { return hello_fp_; }
  bool dead() const override { return closed_; }
  std::shared_ptr<void> keep_alive() override { return shared_from_this(); }

  // TlsPeer
  void on_client_hello(std::string_view msg) override;

  struct Callbacks;  // the ngtcp2 C callbacks (connection_callbacks.cpp)

 private:
  friend struct Callbacks;
  static const ngtcp2_callbacks& callback_table();
  static ngtcp2_qlog_write qlog_writer();
  static ngtcp2_conn* crypto_get_conn(ngtcp2_crypto_conn_ref* ref);
  void write();
  // Bytes one write() may send: ~1 ms at the congestion controller's
  // pacing rate, at least one GSO batch of `batch` bytes.
  std::size_t pacing_budget(std::size_t batch) const;
  bool send_batch(const sockaddr* to, socklen_t len, const std::uint8_t* data, std::size_t n,
                  std::size_t segment);
  bool flush_pending();
  void arm_timer();
  void on_timer();
  // Draining and quic.drain_probe_timeouts probe timeouts in a row without
  // an ACK: closes the connection (finish()) and returns true.
  bool drain_gave_up();
  void fail(int liberr);
  void close_now(bool send_close, std::uint64_t app_code, bool use_app_code);
  void enter_closing();
  void enter_draining();
  void finish();
  void sample_stats();
  bool setup_h3();
  void on_handshake_completed();
  std::uint64_t now_ts() const;

  std::shared_ptr<Endpoint> ep_;
  ListenerSettings settings_;  // accepted with
  ngtcp2_conn* conn_ = nullptr;
  ngtcp2_connection_close_error ccerr_{};
  bool ccerr_set_ = false;
  std::uint64_t app_error_ = 0;
  gnutls_session_t tls_ = nullptr;
  std::unique_ptr<ngtcp2_crypto_conn_ref> ref_;
  std::unique_ptr<Application> app_;
  boost::asio::steady_timer timer_;
  sockaddr_storage remote_{};
  sockaddr_storage source_{};
  socklen_t remote_len_ = 0;
  std::string client_dcid_;                 // the client's original DCID (endpoint key)
  std::unordered_set<std::int64_t> early_streams_;
  std::uint64_t hello_fp_ = 0;
  std::vector<std::uint8_t> pending_;       // packets the socket did not take yet
  std::size_t pending_segment_ = 0;
  sockaddr_storage pending_to_{};
  socklen_t pending_to_len_ = 0;
  std::vector<std::uint8_t> close_pkt_;     // CONNECTION_CLOSE, resent in the closing period
  std::unique_ptr<std::FILE, int (*)(std::FILE*)> qlog_{nullptr, &std::fclose};
  bool handshake_done_ = false;
  std::uint64_t last_recovery_ts_ = UINT64_MAX;
  std::uint64_t armed_expiry_ = 0;          // ngtcp2 expiry the timer waits for
  std::size_t last_pto_ = 0;
  bool write_posted_ = false;
  bool closing_ = false;     // closing or draining period
  bool draining_period_ = false;
  bool closed_ = false;      // finished
};

}  // namespace strata::quic
