// The application protocol on a QUIC connection, as QUIC sees it. QUIC
// (connection.cpp, endpoint.cpp) knows its application only through these
// interfaces; the HTTP/3 application is implemented above, in conn/
// (conn::make_quic_host, conn/http3_connection.*), and chosen by ALPN.
//
//   Host          one listener on one worker: its current QUIC settings
//                 and TLS, and a factory of applications by ALPN
//   Application   the application on one connection (HTTP/3: the nghttp3
//                 session plus the request handlers)
//   AppTransport  what the application needs from its QUIC connection
//
// Thread: everything on the endpoint's worker thread.
#pragma once
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include <boost/asio/any_io_executor.hpp>

#include "codec/http3/server_session.hpp"
#include "config/config.hpp"
#include "http/message.hpp"

namespace strata::quic {

class TlsServer;

// What the application needs from its QUIC connection (flow control and
// stream shutdown through codec::http3::QuicSide, plus these).
class AppTransport : public codec::http3::QuicSide {
 public:
  virtual void kick() = 0;                                // data is ready to write
  virtual bool stream_early(std::int64_t sid) const = 0;  // request bytes came in 0-RTT
  virtual std::uint64_t hello_fingerprint() const = 0;    // hash of the TLS ClientHello
  virtual bool dead() const = 0;                          // connection gone
  virtual std::shared_ptr<void> keep_alive() = 0;         // pins the connection
};

// The application on one connection. QUIC feeds its session stream data
// and pulls stream data from it; created once the handshake allows.
class Application {
 public:
  virtual ~Application() = default;
  virtual codec::http3::ServerSession& session() = 0;
  // The QUIC connection ended: waiters wake and fail.
  virtual void closed() = 0;
  // Nothing in progress (for the idle close after a drain).
  virtual bool idle() const = 0;
  virtual bool draining() const = 0;
  // Graceful shutdown (HTTP/3 GOAWAY); idempotent.
  virtual void drain() = 0;
};

// A listener's settings for new connections, from its current
// configuration generation. `quic` and `tls` stay valid while `keep` lives.
struct ListenerSettings {
  const config::Quic* quic = nullptr;       // null: not serving QUIC now
  std::shared_ptr<const TlsServer> tls;     // null: not serving QUIC now
  std::string listener;                     // name, for ConnInfo
  std::shared_ptr<const void> keep;         // the generation (opaque to QUIC)
};

class Host {
 public:
  virtual ~Host() = default;
  virtual ListenerSettings settings() const = 0;
  // The application for a connection whose handshake chose `alpn`, under
  // the settings it was accepted with; null: no application for that ALPN.
  virtual std::unique_ptr<Application> make_application(std::string_view alpn, AppTransport& t,
                                                        http::ConnInfo info,
                                                        boost::asio::any_io_executor ex,
                                                        const ListenerSettings& accepted) = 0;
};

}  // namespace strata::quic
