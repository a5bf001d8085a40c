// The first moments of a downstream connection: TLS handshake and ALPN, or
// for plain listeners the HTTP/2 prior-knowledge preface check; then hand
// the transport to the HTTP/1.1 or HTTP/2 driver.
#pragma once
#include <cstdint>
#include <memory>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>

#include "conn/server_context.hpp"

namespace strata::conn {

// `keep` keeps the context alive for the life of the connection; `hold`
// is released when the connection ends (which may be after this coroutine
// returns: an HTTP/1.1 connection runs on by itself, conn::start_http1).
boost::asio::awaitable<void> serve_connection(boost::asio::ip::tcp::socket s,
                                              std::shared_ptr<ServerContext> keep,
                                              std::shared_ptr<void> hold = {});

// True when `bytes` is a prefix of (or starts with) the HTTP/2 client preface.
bool preface_prefix(std::string_view bytes);
constexpr std::string_view kH2Preface = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n";

}  // namespace strata::conn
