// An HTTP/3 client connection for strata's tools (`strata load --h3`,
// `strata probe --h3`): one connected UDP socket on the caller's executor,
// an ngtcp2 client connection with GnuTLS (ALPN "h3", SNI, certificate
// verification only when asked), nghttp3 on top, and the QUIC timers on an
// asio steady_timer driven by ngtcp2_conn_get_expiry().
//
// Usage: construct, co_await run(remote), and submit() requests from the
// listener's on_writable() (called once the connection can take requests:
// right away when a session ticket from an earlier connection of the same
// ClientTls allows 0-RTT, else after the handshake; and again whenever
// stream credit frees up). The other callbacks fire from inside the
// QUIC/HTTP/3 libraries: they must not call submit(), flush() or close().
// close() from on_writable() or any coroutine on the same executor ends
// run() with a CONNECTION_CLOSE. Single-threaded: every call happens on the
// executor's thread. No ngtcp2/nghttp3/GnuTLS types here.
#pragma once
#include <chrono>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/udp.hpp>

namespace strata::tools::quic_client {

class ClientTls;

struct ClientOptions {
  std::string sni;  // host name; an IP literal sends no SNI
  std::chrono::nanoseconds handshake_timeout{std::chrono::seconds(5)};
  std::chrono::nanoseconds idle_timeout{std::chrono::seconds(30)};
  std::uint64_t stream_window = 256 * 1024;      // initial per-stream receive window
  std::uint64_t conn_window = 1024 * 1024;       // initial connection receive window
  std::uint64_t max_stream_window = 6 * 1024 * 1024;
  std::uint64_t max_conn_window = 16 * 1024 * 1024;
  std::size_t ack_thresh = 2;                    // ack-eliciting packets per ACK (ngtcp2 default)
  bool early_data = true;  // try 0-RTT when the ClientTls holds a ticket
};

// What the handshake produced (valid once Listener::on_handshake ran).
struct HandshakeInfo {
  std::chrono::nanoseconds time{0};  // first Initial sent -> handshake completed
  std::string tls_version;           // "TLSv1.3"
  std::string cipher;                // IANA name, e.g. TLS_AES_128_GCM_SHA256
  std::string alpn;
  bool resumed = false;              // TLS session resumption (ticket)
  bool early_data_attempted = false; // requests were sent as 0-RTT
  bool early_data_accepted = false;
};

// Stream close code the client reports when the server rejected 0-RTT: the
// request never reached the application and may be submitted again.
inline constexpr std::uint64_t kEarlyDataRejected = ~std::uint64_t(0);

class ResponseListener {
 public:
  virtual ~ResponseListener() = default;
  virtual void on_handshake(const HandshakeInfo&) {}
  // The response's final status (1xx are skipped).
  virtual void on_response_head(std::int64_t stream, int status) = 0;
  // Every response header (lower-case names), when capture_headers is on.
  virtual void on_header(std::int64_t, std::string_view, std::string_view) {}
  virtual void on_data(std::int64_t stream, std::size_t n) = 0;
  // The response DATA bytes themselves, as they arrive (just before
  // on_data); only valid during the call.
  virtual void on_body(std::int64_t, std::string_view) {}
  // The stream ended: code 0 = the complete response arrived; otherwise the
  // HTTP/3 error code of a reset, or kEarlyDataRejected.
  virtual void on_close(std::int64_t stream, std::uint64_t code) = 0;
  // More requests may be submitted (handshake done, streams credit granted,
  // a stream closed).
  virtual void on_writable() {}
};

class ClientConn {
 public:
  ClientConn(boost::asio::any_io_executor ex, const ClientOptions& opt, ClientTls& tls,
             ResponseListener& listener);
  ~ClientConn();
  ClientConn(const ClientConn&) = delete;
  ClientConn& operator=(const ClientConn&) = delete;

  // Runs until the connection ends (close(), peer close, idle or handshake
  // timeout, error). Call once.
  boost::asio::awaitable<void> run(boost::asio::ip::udp::endpoint remote);

  // Whether submit() can open a stream now (h3 set up, stream credit left,
  // no GOAWAY, not closing).
  bool can_submit() const;
  // Request streams the server still allows us to open.
  std::uint64_t streams_left() const;
  // Submits one request; `body` (may be empty) must stay valid until the
  // stream closes. Returns the stream id or -1. Packets go out at the next
  // flush() (or when run() next writes).
  std::int64_t submit(std::span<const std::pair<std::string_view, std::string_view>> headers,
                      std::string_view body);
  // Submits a request whose body the caller streams with send_body() (e.g.
  // an RFC 9220 extended CONNECT: `:method CONNECT`, `:protocol`, ...).
  // Returns the stream id or -1.
  std::int64_t submit_streaming(
      std::span<const std::pair<std::string_view, std::string_view>> headers);
  // Queues `data` (copied, kept until acknowledged) on a submit_streaming()
  // stream; `fin` ends the request body. False when the stream is unknown,
  // not streaming or already ended. Goes out at the next flush().
  bool send_body(std::int64_t stream, std::string_view data, bool fin = false);
  // The server's SETTINGS_ENABLE_CONNECT_PROTOCOL (RFC 9220): -1 until its
  // SETTINGS frame arrived, else the value (0 when absent). on_writable()
  // fires when it becomes known.
  int peer_enable_connect_protocol() const;
  // Writes whatever ngtcp2/nghttp3 have queued.
  void flush();
  // Ends the connection (CONNECTION_CLOSE, H3_NO_ERROR); run() returns.
  void close();

  void set_capture_headers(bool on);
  bool handshake_done() const;
  bool goaway_received() const;
  bool closed() const;
  // Why the connection ended ("" after a clean close()).
  const std::string& error() const;
  // True when the connection failed before the handshake completed.
  bool failed_in_handshake() const;
  std::uint64_t bytes_received() const;  // UDP payload bytes
  // The smallest RTT sample so far (0 before any).
  std::chrono::nanoseconds min_rtt() const;
  const HandshakeInfo& handshake_info() const;
  // The server's certificate chain, DER, leaf first (after the handshake).
  std::vector<std::string> peer_certificates() const;

  struct Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace strata::tools::quic_client
