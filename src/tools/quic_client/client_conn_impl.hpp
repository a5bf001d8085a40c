// Private to src/tools/quic_client: the state behind ClientConn, shared by
// client_conn.cpp (QUIC: socket, ngtcp2, timers) and client_h3.cpp (HTTP/3:
// nghttp3 and the request streams).
#pragma once
#include <array>
#include <chrono>
#include <deque>
#include <memory>
#include <string>
#include <unordered_map>

#include <boost/asio/ip/udp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <gnutls/gnutls.h>
#include <nghttp3/nghttp3.h>
#include <ngtcp2/ngtcp2.h>
#include <ngtcp2/ngtcp2_crypto.h>

#include "tools/quic_client/client_conn.hpp"
#include "tools/quic_client/client_tls.hpp"

namespace strata::tools::quic_client {

// ngtcp2 timestamps: steady clock nanoseconds.
inline ngtcp2_tstamp now_ts() {
  return ngtcp2_tstamp(std::chrono::duration_cast<std::chrono::nanoseconds>(
                           std::chrono::steady_clock::now().time_since_epoch())
                           .count());
}

struct ReqStream {
  std::string_view body;  // sent by read_body, owned by the caller
  int status = 0;
  bool early = false;     // opened before the handshake (0-RTT)
  bool head = false;      // on_response_head reported
  bool done = false;      // on_close reported
  // submit_streaming(): body chunks queued by send_body(); the first
  // `handed` went to nghttp3 and stay until acknowledged (`acked` bytes of
  // the front chunk are).
  bool streaming = false;
  bool fin = false;
  std::deque<std::string> out;
  std::size_t handed = 0;
  std::uint64_t acked = 0;
};

struct ClientConn::Impl {
  Impl(boost::asio::any_io_executor ex, const ClientOptions& o, ClientTls& t, ResponseListener& l);
  ~Impl();

  // --- QUIC (client_conn.cpp)
  bool init(const boost::asio::ip::udp::endpoint& remote);  // socket + ngtcp2 + TLS
  void feed(const std::uint8_t* data, std::size_t n);
  void write_packets();
  void update_timer();
  void on_expiry();
  void fail(std::string why);  // ends the connection with an error
  void finish();               // stops I/O; run() returns
  void send_close();           // CONNECTION_CLOSE, best effort
  bool on_handshake_completed();
  void remember_params();
  void notify_writable();

  // --- HTTP/3 (client_h3.cpp)
  bool setup_h3();             // control + QPACK streams
  void drop_h3();              // 0-RTT rejected: forget h3 and early streams
  int on_stream_data(std::uint32_t flags, std::int64_t id, const std::uint8_t* d, std::size_t n);
  int on_stream_close(std::uint64_t flags, std::int64_t id, std::uint64_t code);
  int on_stream_reset(std::int64_t id);
  int on_acked(std::int64_t id, std::uint64_t n);
  int on_extend_stream_data(std::int64_t id);
  void peek_settings(std::int64_t id, const std::uint8_t* d, std::size_t n);
  std::int64_t submit(std::span<const std::pair<std::string_view, std::string_view>> hs,
                      std::string_view body, bool streaming = false);

  boost::asio::any_io_executor ex;
  ClientOptions opt;
  ClientTls& tls;
  ResponseListener& listener;
  boost::asio::ip::udp::socket sock;
  boost::asio::steady_timer timer;
  boost::asio::ip::udp::endpoint local, remote;
  ngtcp2_conn* conn = nullptr;
  gnutls_session_t session = nullptr;
  nghttp3_conn* h3 = nullptr;
  ngtcp2_crypto_conn_ref conn_ref{};
  ngtcp2_connection_close_error last_error{};
  std::unordered_map<std::int64_t, ReqStream> streams;
  // Server unidirectional streams' first bytes until their SETTINGS is read.
  std::unordered_map<std::int64_t, std::string> uni_peek;
  int peer_connect_protocol = -1;  // SETTINGS_ENABLE_CONNECT_PROTOCOL
  std::array<std::uint8_t, 1500> txbuf{};
  ngtcp2_tstamp armed_expiry = UINT64_MAX;
  std::chrono::steady_clock::time_point started{};
  HandshakeInfo info;
  std::string error;
  std::uint64_t bytes_in = 0;
  bool resuming = false;        // ticket installed (0-RTT possible)
  bool early = false;           // 0-RTT streams were opened
  bool handshake_done = false;
  bool closed = false;
  bool goaway = false;
  bool capture_headers = false;
  bool send_blocked = false;
  std::shared_ptr<int> life = std::make_shared<int>(0);  // for handlers outliving *this
  bool want_writable = false;  // on_writable() due outside the library callbacks
};

// ngtcp2's and nghttp3's user_data is the Impl.
inline ClientConn::Impl* impl_of(void* user_data) { return static_cast<ClientConn::Impl*>(user_data); }

}  // namespace strata::tools::quic_client
