// TLS handshakes with a deadline, producing io::Transport byte streams.
// Run on the socket's executor (the owning worker); the context must stay
// alive until the coroutine returns.
#pragma once
#include <chrono>
#include <memory>
#include <string>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/system/error_code.hpp>

#include "io/peer_cert.hpp"
#include "io/transport.hpp"

namespace boost::asio::ssl {
class context;
}

namespace strata::io {

// Server handshake on an accepted socket. Returns the TLS transport, or null
// when the handshake failed or did not finish within `handshake_timeout`
// (the socket is then closed). Counts strata_tls_handshakes_total{outcome=
// ok|error|timeout} and strata_tls_resumed_total (abbreviated handshakes).
// On failure `*cert_failure` (when given) says whether a client certificate
// was missing or did not verify (mTLS listeners).
boost::asio::awaitable<std::unique_ptr<Transport>> accept_tls(
    boost::asio::ip::tcp::socket socket, boost::asio::ssl::context& ctx,
    std::chrono::milliseconds handshake_timeout, PeerCertFailure* cert_failure = nullptr);

// Client handshake on a connected socket, with SNI/verification set by
// prepare_client_ssl(sni, verify). Returns null on failure or timeout, with
// the reason in `*error` when given (asio::error::timed_out on timeout).
// Counts strata_upstream_tls_handshakes_total{outcome=ok|error|timeout}.
boost::asio::awaitable<std::unique_ptr<Transport>> connect_tls(
    boost::asio::ip::tcp::socket socket, boost::asio::ssl::context& ctx, std::string sni,
    bool verify, std::chrono::milliseconds handshake_timeout,
    boost::system::error_code* error = nullptr);

// Counts one upstream handshake made elsewhere (the HTTP/1.1 upstream
// connector) in strata_upstream_tls_handshakes_total: ok, timeout or error.
void count_upstream_handshake(const boost::system::error_code& ec, bool timed_out);

}  // namespace strata::io
