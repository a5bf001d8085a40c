// Opens one client connection for the load tool: TCP connect, then (https)
// the TLS handshake with ALPN, timing each phase. Failures are classified
// (connect vs tls) for the error report. Runs on the caller's executor.
#pragma once
#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>

#include "io/transport.hpp"

namespace boost::asio::ssl {
class context;
}

namespace strata::tools::load {

struct Connected {
  std::unique_ptr<io::Transport> transport;  // null on failure
  std::chrono::nanoseconds connect_time{0};
  std::chrono::nanoseconds tls_time{0};
  std::string alpn;                          // negotiated ALPN ("" for none)
  enum class Failure { none, connect, tls } failure = Failure::none;
};

struct ConnectParams {
  std::vector<boost::asio::ip::tcp::endpoint> endpoints;
  boost::asio::ssl::context* tls = nullptr;  // null: plain TCP
  std::string sni;
  bool verify = false;
  std::chrono::nanoseconds timeout{std::chrono::seconds(5)};
  // Local address to bind before connecting (unspecified: the kernel picks).
  // Bound with IP_BIND_ADDRESS_NO_PORT, so many 127.x sources spread the
  // ephemeral ports over more 4-tuples (`strata load --hub` holds ~20k
  // connections to one server port). Only the first endpoint is tried then.
  boost::asio::ip::address source;
};

boost::asio::awaitable<Connected> connect_once(const ConnectParams& p);

}  // namespace strata::tools::load
