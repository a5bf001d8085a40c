#include "upstream/tunnel/relay.hpp"

#include <algorithm>

#include "config/config.hpp"
#include "http/tunnel.hpp"
#include "io/transport.hpp"
#include "obs/metrics.hpp"
#include "upstream/pool/h1_pool.hpp"
#include "upstream/tunnel/tunnel.hpp"
#include "upstream/tunnel/websocket.hpp"

namespace strata::upstream::tunnel {

namespace asio = boost::asio;

namespace {

obs::Counter& opened(bool websocket) {
  static obs::Counter& ws = obs::counter("strata_upgrade_tunnels_total",
                                         "Upgrade tunnels opened, by protocol",
                                         {{"protocol", "websocket"}});
  static obs::Counter& other = obs::counter("strata_upgrade_tunnels_total",
                                            "Upgrade tunnels opened, by protocol",
                                            {{"protocol", "other"}});
  return websocket ? ws : other;
}

obs::Counter& carrier(http::Protocol p) {
  static obs::Counter* c[4] = {};
  const auto i = std::size_t(p) & 3;
  if (!c[i])
    c[i] = &obs::counter("strata_tunnels_total",
                         "Tunnels opened, by the client's protocol (Upgrade or CONNECT)",
                         {{"carrier", std::string(http::protocol_name(p))}});
  return *c[i];
}

obs::Gauge& active() {
  static obs::Gauge& g =
      obs::gauge("strata_upgrade_tunnels_active", "Upgrade tunnels currently open");
  return g;
}

bool hop_field(std::string_view n) {
  return n == "upgrade" || n == "connection" || n == "sec-websocket-accept" ||
         n == "content-length" || n == "transfer-encoding" || n == "keep-alive";
}

}  // namespace

Opened::Opened(const http::Request& req, std::string_view protocol) {
  opened(http::iequals(protocol, "websocket")).inc();
  carrier(req.protocol).inc();
  active().add();
}
Opened::~Opened() { active().sub(); }

Options tunnel_options(const config::Config* cfg) {
  Options opt;
  if (cfg) {
    opt.chunk = std::clamp<std::size_t>(cfg->limits.stream_buffer, 4096, 1 << 20);
    opt.idle = cfg->timeouts.idle;
  }
  return opt;
}

asio::awaitable<UpgradeOutcome> relay_upgrade(http::Exchange& ex,
                                              std::unique_ptr<pool::H1Conn> conn,
                                              http::Response& switching,
                                              const config::Config* cfg,
                                              std::string_view ws_key) {
  const auto proto = std::string(switching.headers.get("upgrade").value_or(""));
  std::unique_ptr<http::ByteStream> down;
  if (http::tunnel_kind(ex.request()) == http::TunnelKind::extended_connect) {
    // RFC 8441 4 / RFC 9220: the client gets a 200; the h1 handshake
    // (key, accept) was ours to check.
    if (!ws_key.empty() &&
        switching.headers.get("sec-websocket-accept").value_or("") != websocket_accept(ws_key)) {
      conn->transport->close();
      co_return UpgradeOutcome::bad_handshake;
    }
    http::Response ok;
    ok.status = 200;
    for (const auto& f : switching.headers)
      if (!hop_field(f.name)) ok.headers.add(f.name, f.value);
    down = co_await ex.tunnel(ok);
  } else {
    down = co_await ex.tunnel(switching);
  }
  if (!down) {
    conn->transport->close();
    if (!ex.head_sent()) co_await http::respond(ex, 502, "protocol switch failed\n");
    co_return UpgradeOutcome::downstream_error;
  }
  Opened guard(ex.request(), proto);

  // Bytes the upstream sent right after its 101 head come first.
  std::string up_leftover(static_cast<const char*>(conn->buf.data().data()), conn->buf.size());
  conn->buf.consume(conn->buf.size());
  auto up = http::transport_stream(std::move(conn->transport), std::move(up_leftover));
  (void)co_await run(*down, *up, tunnel_options(cfg));
  down->close();
  up->close();
  co_return UpgradeOutcome::upgraded;
}

}  // namespace strata::upstream::tunnel
