#include "upstream/tunnel/relay.hpp"

#include <algorithm>

#include "config/config.hpp"
#include "io/transport.hpp"
#include "obs/metrics.hpp"
#include "upstream/pool/h1_pool.hpp"
#include "upstream/tunnel/tunnel.hpp"

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

obs::Gauge& active() {
  static obs::Gauge& g =
      obs::gauge("strata_upgrade_tunnels_active", "Upgrade tunnels currently open");
  return g;
}

struct ActiveTunnel {
  ActiveTunnel() { active().add(); }
  ~ActiveTunnel() { active().sub(); }
};

}  // namespace

asio::awaitable<std::string_view> relay_upgrade(http::Exchange& ex,
                                                std::unique_ptr<pool::H1Conn> conn,
                                                http::Response& switching,
                                                const config::Config* cfg) {
  std::string down_leftover;
  auto down = co_await ex.upgrade(switching, down_leftover);
  if (!down) {
    conn->transport->close();
    if (!ex.head_sent()) co_await http::respond(ex, 502, "protocol switch failed\n");
    co_return "downstream_error";
  }
  const auto proto = switching.headers.get("upgrade").value_or("");
  opened(http::iequals(proto, "websocket")).inc();
  ActiveTunnel guard;

  Options opt;
  if (cfg) {
    opt.chunk = std::clamp<std::size_t>(cfg->limits.stream_buffer, 4096, 1 << 20);
    opt.idle = cfg->timeouts.idle;
  }
  // Bytes the upstream sent right after its 101 head.
  std::string up_leftover(static_cast<const char*>(conn->buf.data().data()), conn->buf.size());
  conn->buf.consume(conn->buf.size());
  (void)co_await run(*down, std::move(down_leftover), *conn->transport, std::move(up_leftover),
                     opt);
  down->close();
  conn->transport->close();
  co_return "upgraded";
}

}  // namespace strata::upstream::tunnel
