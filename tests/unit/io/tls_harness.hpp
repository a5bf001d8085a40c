// Test harness: one TLS handshake over a loopback pair between accept_tls
// (server) and a plain asio ssl::stream client, all on one io_context.
#pragma once
#include <chrono>
#include <memory>
#include <string>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "io/tls_client.hpp"
#include "io/tls_handshake.hpp"
#include "unit/support/loopback.hpp"

namespace strata::test {

struct SessionDeleter {
  void operator()(SSL_SESSION* s) const { SSL_SESSION_free(s); }
};
using SessionPtr = std::unique_ptr<SSL_SESSION, SessionDeleter>;

struct Handshake {
  bool server_ok = false;
  bool client_ok = false;
  std::string server_alpn;  // as the server transport reports it
  std::string server_sni;
  std::string client_alpn;
  bool client_reused = false;
  int client_version = 0;
  std::string peer_cn;      // CN of the certificate the client got
  std::string greeting;     // bytes the client read after the handshake
  SessionPtr session;       // for resumption, after tickets were received
};

inline std::string cn_of(X509* cert) {
  if (!cert) return {};
  char buf[256] = {};
  int n = X509_NAME_get_text_by_NID(X509_get_subject_name(cert), NID_commonName, buf, sizeof buf);
  return n > 0 ? std::string(buf, std::size_t(n)) : std::string();
}

inline Handshake run_handshake(boost::asio::ssl::context& server_ctx,
                               boost::asio::ssl::context& client_ctx, const std::string& sni,
                               SSL_SESSION* resume = nullptr) {
  namespace asio = boost::asio;
  asio::io_context io;
  auto [s, c] = loopback_pair(io);
  Handshake r;
  asio::co_spawn(
      io,
      [&, s = std::move(s)]() mutable -> asio::awaitable<void> {
        auto t = co_await io::accept_tls(std::move(s), server_ctx, std::chrono::seconds(5));
        if (!t) co_return;
        r.server_ok = true;
        r.server_alpn = t->alpn();
        r.server_sni = t->sni();
        (void)co_await t->write("hello");  // carries the TLS 1.3 tickets before it
        co_await t->shutdown();
      },
      asio::detached);
  io::TlsStream cs(std::move(c), client_ctx);
  io::prepare_client_ssl(cs.native_handle(), sni, false);
  if (resume) SSL_set_session(cs.native_handle(), resume);
  asio::co_spawn(
      io,
      [&]() -> asio::awaitable<void> {
        auto [ec] = co_await cs.async_handshake(asio::ssl::stream_base::client,
                                                asio::as_tuple(asio::use_awaitable));
        if (ec) co_return;
        r.client_ok = true;
        SSL* ssl = cs.native_handle();
        const unsigned char* p = nullptr;
        unsigned len = 0;
        SSL_get0_alpn_selected(ssl, &p, &len);
        if (p) r.client_alpn.assign(reinterpret_cast<const char*>(p), len);
        r.client_reused = SSL_session_reused(ssl) == 1;
        r.client_version = SSL_version(ssl);
        r.peer_cn = cn_of(SSL_get0_peer_certificate(ssl));
        char buf[16];
        auto [rec, n] = co_await cs.async_read_some(asio::buffer(buf),
                                                    asio::as_tuple(asio::use_awaitable));
        r.greeting.assign(buf, n);
        r.session.reset(SSL_get1_session(ssl));
        (void)co_await cs.async_shutdown(asio::as_tuple(asio::use_awaitable));
      },
      asio::detached);
  io.run_for(std::chrono::seconds(10));
  return r;
}

}  // namespace strata::test
