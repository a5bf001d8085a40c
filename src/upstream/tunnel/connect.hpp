// Plain CONNECT (RFC 9110 9.3.6) on any protocol: the route lists the
// "host:port" targets it allows (route key `connect`, empty by default);
// strata opens TCP to the target and answers 200, then relays bytes both
// ways (upstream/tunnel/tunnel.hpp) until both sides closed, an error, or
// timeouts.idle of silence. A CONNECT on a route without the list gets
// 405, a target not listed 403, a target that cannot be reached 502 (504
// when the 10 s connect timeout passed). Counted in the tunnel
// metrics of relay.hpp (protocol "connect" counts as "other"). Runs on
// the exchange's executor.
#pragma once
#include <string>
#include <vector>

#include <boost/asio/awaitable.hpp>

#include "http/exchange.hpp"

namespace strata::config {
struct Config;
}

namespace strata::upstream::tunnel {

// `allowed`: canonical "host:port" entries (config::HostPort::to_string),
// null or empty when the route allows no CONNECT.
boost::asio::awaitable<void> serve_connect(http::Exchange& ex,
                                           const std::vector<std::string>* allowed,
                                           const config::Config* cfg);

}  // namespace strata::upstream::tunnel
