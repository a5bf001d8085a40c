// Reads a PROXY protocol header (security/proxy_protocol.hpp) off a fresh
// TCP connection, consuming exactly the header's bytes so what follows (a
// TLS ClientHello, an HTTP request) stays in the socket. Bounded by
// `timeout` (the socket is closed when it passes) and by the header's
// maximum size. Runs on the connection's worker.
#pragma once
#include <chrono>
#include <string_view>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>

#include "security/proxy_protocol.hpp"

namespace strata::conn {

struct ProxyRead {
  bool ok = false;
  std::string_view reason;  // !ok: a ProxyParse reason, "timeout" or "closed"
  security::ProxyHeader header;
};

boost::asio::awaitable<ProxyRead> read_proxy_header(boost::asio::ip::tcp::socket& s,
                                                    security::ProxyVersions accept,
                                                    std::chrono::milliseconds timeout);

}  // namespace strata::conn
