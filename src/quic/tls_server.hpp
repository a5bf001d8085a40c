// TLS 1.3 for QUIC listeners: GnuTLS credentials built from the listener's
// config::Tls (the same PEM files as its TCP/TLS side, or the generated
// self-signed pair), ALPN "h3", stateless session tickets for resumption
// and 0-RTT, and GnuTLS's ClientHello-level anti-replay backed by our
// ReplayGuard. One TlsServer per listener generation, shared read-only by
// every worker; each QUIC connection gets its own session from it.
//
// Versions, ciphers and groups of config::Tls apply to TCP only: QUIC is
// TLS 1.3 by definition and uses GnuTLS's TLS 1.3 defaults.
#pragma once
#include <memory>
#include <string>
#include <string_view>

struct gnutls_session_int;
typedef struct gnutls_session_int* gnutls_session_t;
struct ngtcp2_crypto_conn_ref;

namespace strata::config {
struct Tls;
struct Quic;
}

namespace strata::quic {

// What the TLS layer tells its QUIC connection. The connection's
// ngtcp2_crypto_conn_ref::user_data must point to its TlsPeer.
class TlsPeer {
 public:
  virtual ~TlsPeer() = default;
  // The raw ClientHello handshake message (it carries the ticket, if any).
  virtual void on_client_hello(std::string_view msg) = 0;
};

class TlsServer {
 public:
  // Throws std::runtime_error naming the file on a bad certificate or key.
  // `quic`: early_data, and the replay guard's size and window (the guard
  // is process-wide: the first HTTP/3 listener's settings size it).
  static std::shared_ptr<TlsServer> create(const config::Tls& tls, const std::string& state_dir,
                                           const config::Quic& quic);
  ~TlsServer();
  TlsServer(const TlsServer&) = delete;
  TlsServer& operator=(const TlsServer&) = delete;

  // A server session for one connection, wired to ngtcp2's crypto glue;
  // `ref->user_data` must be a TlsPeer*. Null on failure.
  gnutls_session_t new_session(ngtcp2_crypto_conn_ref* ref) const;

  struct Impl;

 private:
  explicit TlsServer(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// TLS details of an established session, for ConnInfo and probes.
std::string tls_sni(gnutls_session_t s);

}  // namespace strata::quic
