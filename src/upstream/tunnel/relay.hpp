// The proxy's side of a tunnel to an HTTP/1.1 upstream that answered 101:
// accept the client's tunnel (Exchange::tunnel: a 101 to an HTTP/1.1
// Upgrade; a 200 to an HTTP/2 / HTTP/3 extended CONNECT, once the
// upstream's Sec-WebSocket-Accept matched the key the proxy sent), then
// relay bytes both ways until both sides closed, an error, or
// timeouts.idle of silence. Metrics: strata_upgrade_tunnels_total{protocol}
// (tunnels opened; protocol "websocket" or "other"),
// strata_upgrade_tunnels_active, and strata_tunnels_total{carrier} (the
// client's protocol: "HTTP/1.1", "HTTP/2", "HTTP/3"). The upstream
// connection is consumed (never pooled). Runs on the exchange's executor.
#pragma once
#include <memory>
#include <string>
#include <string_view>

#include <boost/asio/awaitable.hpp>

#include "http/exchange.hpp"
#include "upstream/tunnel/tunnel.hpp"

namespace strata::config {
struct Config;
}
namespace strata::upstream::pool {
struct H1Conn;
}

namespace strata::upstream::tunnel {

// How an upgrade ended: `upgraded` after a tunnel ran; `downstream_error`
// when the client side could not switch (it then got a 502 if still
// possible); `bad_handshake` when the upstream's Sec-WebSocket-Accept did
// not match `ws_key` (nothing sent to the client).
enum class UpgradeOutcome : unsigned char { upgraded, downstream_error, bad_handshake };

// Relays an upstream 101 (`switching`) to the client as a tunnel.
// `ws_key`: the Sec-WebSocket-Key the proxy generated for an extended
// CONNECT, empty for an HTTP/1.1 Upgrade (the client checks it then).
boost::asio::awaitable<UpgradeOutcome> relay_upgrade(http::Exchange& ex,
                                                     std::unique_ptr<pool::H1Conn> conn,
                                                     http::Response& switching,
                                                     const config::Config* cfg,
                                                     std::string_view ws_key = {});

// Options of a tunnel from the configuration (chunk from
// limits.stream_buffer, idle from timeouts.idle).
Options tunnel_options(const config::Config* cfg);

// Counts a tunnel in the metrics above while alive.
class Opened {
 public:
  Opened(const http::Request& req, std::string_view protocol);
  ~Opened();
  Opened(const Opened&) = delete;
  Opened& operator=(const Opened&) = delete;
};

}  // namespace strata::upstream::tunnel
