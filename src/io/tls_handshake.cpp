#include "io/tls_handshake.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "io/tls_client.hpp"
#include "obs/metrics.hpp"

namespace strata::io {

namespace asio = boost::asio;
namespace ssl = boost::asio::ssl;

namespace {

struct Outcomes {
  obs::Counter& ok;
  obs::Counter& error;
  obs::Counter& timeout;
};

const Outcomes& server_outcomes() {
  static const char* help = "Downstream TLS handshakes by outcome";
  static Outcomes o{obs::counter("strata_tls_handshakes_total", help, {{"outcome", "ok"}}),
                    obs::counter("strata_tls_handshakes_total", help, {{"outcome", "error"}}),
                    obs::counter("strata_tls_handshakes_total", help, {{"outcome", "timeout"}})};
  return o;
}

const Outcomes& client_outcomes() {
  static const char* help = "Upstream TLS handshakes by outcome";
  static Outcomes o{
      obs::counter("strata_upstream_tls_handshakes_total", help, {{"outcome", "ok"}}),
      obs::counter("strata_upstream_tls_handshakes_total", help, {{"outcome", "error"}}),
      obs::counter("strata_upstream_tls_handshakes_total", help, {{"outcome", "timeout"}})};
  return o;
}

obs::Counter& resumed_counter() {
  static obs::Counter& c =
      obs::counter("strata_tls_resumed_total", "Downstream TLS handshakes that resumed a session");
  return c;
}

// The deadline closes the socket, which fails the pending handshake. The
// timer handler only touches `Watch` (shared), never the coroutine frame,
// so a late expiry after the handshake finished is harmless.
struct Watch {
  asio::ip::tcp::socket* sock = nullptr;  // cleared when the handshake ends
  bool fired = false;
};

asio::awaitable<std::unique_ptr<Transport>> handshake(std::unique_ptr<TlsStream> stream,
                                                      ssl::stream_base::handshake_type type,
                                                      std::chrono::milliseconds timeout,
                                                      const Outcomes& outcomes,
                                                      boost::system::error_code* error,
                                                      PeerCertFailure* cert_failure = nullptr) {
  auto watch = std::make_shared<Watch>();
  watch->sock = &stream->next_layer();
  asio::steady_timer timer(stream->get_executor());
  timer.expires_after(timeout);
  timer.async_wait([watch](boost::system::error_code ec) {
    if (ec || !watch->sock) return;
    watch->fired = true;
    boost::system::error_code ignore;
    watch->sock->close(ignore);
  });
  auto [ec] = co_await stream->async_handshake(type, asio::as_tuple(asio::use_awaitable));
  bool timed_out = watch->fired;
  watch->sock = nullptr;
  timer.cancel();
  if (timed_out || ec) {
    (timed_out ? outcomes.timeout : outcomes.error).inc();
    if (error) *error = timed_out ? asio::error::timed_out : ec;
    if (cert_failure)
      *cert_failure = timed_out ? PeerCertFailure::none
                                : peer_cert_failure_of(
                                      stream->native_handle(),
                                      ec.category() == asio::error::get_ssl_category()
                                          ? static_cast<unsigned long>(ec.value())
                                          : 0ul);
    boost::system::error_code ignore;
    stream->next_layer().close(ignore);
    co_return nullptr;
  }
  outcomes.ok.inc();
  if (error) *error = {};
  if (type == ssl::stream_base::server && SSL_session_reused(stream->native_handle()))
    resumed_counter().inc();
  co_return make_tls_transport(std::move(stream));
}

}  // namespace

asio::awaitable<std::unique_ptr<Transport>> accept_tls(asio::ip::tcp::socket socket,
                                                       ssl::context& ctx,
                                                       std::chrono::milliseconds handshake_timeout,
                                                       PeerCertFailure* cert_failure) {
  auto stream = std::make_unique<TlsStream>(std::move(socket), ctx);
  co_return co_await handshake(std::move(stream), ssl::stream_base::server, handshake_timeout,
                               server_outcomes(), nullptr, cert_failure);
}

asio::awaitable<std::unique_ptr<Transport>> connect_tls(asio::ip::tcp::socket socket,
                                                        ssl::context& ctx, std::string sni,
                                                        bool verify,
                                                        std::chrono::milliseconds handshake_timeout,
                                                        boost::system::error_code* error) {
  auto stream = std::make_unique<TlsStream>(std::move(socket), ctx);
  if (!prepare_client_ssl(stream->native_handle(), sni, verify)) {
    client_outcomes().error.inc();
    if (error) *error = asio::error::invalid_argument;
    boost::system::error_code ignore;
    stream->next_layer().close(ignore);
    co_return nullptr;
  }
  co_return co_await handshake(std::move(stream), ssl::stream_base::client, handshake_timeout,
                               client_outcomes(), error);
}

void count_upstream_handshake(const boost::system::error_code& ec, bool timed_out) {
  const auto& o = client_outcomes();
  (timed_out ? o.timeout : ec ? o.error : o.ok).inc();
}

}  // namespace strata::io
