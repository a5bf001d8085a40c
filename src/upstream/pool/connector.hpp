// Opens a connection to one upstream endpoint: TCP connect over its
// addresses in order, then (optionally) a TLS client handshake with SNI,
// ALPN and verification. Bounded by the cluster's connect_timeout.
#pragma once
#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>

#include "config/config.hpp"
#include "io/transport.hpp"

namespace strata::upstream::pool {

struct ConnectResult {
  boost::system::error_code ec;  // timed_out when the connect timeout expired
  std::unique_ptr<io::Transport> transport;
};

struct ConnectOptions {
  std::chrono::milliseconds timeout{2000};
  boost::asio::ssl::context* tls = nullptr;  // null: plain TCP
  std::string sni;                           // TLS server name (and verified host)
  bool verify = false;
  std::string preamble;  // written first after the TCP connect, before TLS (a PROXY header); "" = none
};

boost::asio::awaitable<ConnectResult> connect_endpoint(
    boost::asio::any_io_executor ex, const std::vector<boost::asio::ip::tcp::endpoint>& addrs,
    const ConnectOptions& opt);

// Client TLS context for a cluster: system roots when tls_verify, ALPN
// protocols in order of preference (e.g. {"h2"} or {"http/1.1"}).
std::shared_ptr<boost::asio::ssl::context> make_client_tls(const config::Cluster& c,
                                                           const std::vector<std::string>& alpn);

}  // namespace strata::upstream::pool
