// The proxy's side of an HTTP/1.1 protocol switch: after the upstream
// answered 101, switch the downstream exchange (Exchange::upgrade), then
// tunnel bytes both ways until both sides closed, an error, or
// timeouts.idle of silence. Metrics: strata_upgrade_tunnels_total{protocol}
// (tunnels opened; protocol "websocket" or "other") and
// strata_upgrade_tunnels_active. The upstream connection is consumed
// (never pooled). Runs on the exchange's executor.
#pragma once
#include <memory>
#include <string>
#include <string_view>

#include <boost/asio/awaitable.hpp>

#include "http/exchange.hpp"

namespace strata::config {
struct Config;
}
namespace strata::upstream::pool {
struct H1Conn;
}

namespace strata::upstream::tunnel {

// The outcome label for the proxy's request metric: "upgraded" after a
// tunnel ran, "downstream_error" when the downstream could not switch (it
// then got a 502 if still possible).
boost::asio::awaitable<std::string_view> relay_upgrade(http::Exchange& ex,
                                                       std::unique_ptr<pool::H1Conn> conn,
                                                       http::Response& switching,
                                                       const config::Config* cfg);

}  // namespace strata::upstream::tunnel
