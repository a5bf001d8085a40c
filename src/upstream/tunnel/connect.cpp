#include "upstream/tunnel/connect.hpp"

#include <algorithm>
#include <chrono>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "config/address.hpp"
#include "config/config.hpp"
#include "http/tunnel.hpp"
#include "upstream/pool/connector.hpp"
#include "upstream/tunnel/relay.hpp"

namespace strata::upstream::tunnel {

namespace asio = boost::asio;

asio::awaitable<void> serve_connect(http::Exchange& ex, const std::vector<std::string>* allowed,
                                    const config::Config* cfg) {
  if (!allowed || allowed->empty()) {
    co_await http::respond(ex, 405, "CONNECT is not allowed here\n");
    co_return;
  }
  const auto hp = config::parse_host_port(ex.request().authority, false);
  if (!hp || std::find(allowed->begin(), allowed->end(), hp->to_string()) == allowed->end()) {
    co_await http::respond(ex, 403, "CONNECT target not allowed\n");
    co_return;
  }
  asio::ip::tcp::resolver resolver(ex.executor());
  auto [rec, results] = co_await resolver.async_resolve(
      hp->host, std::to_string(hp->port), asio::as_tuple(asio::use_awaitable));
  std::vector<asio::ip::tcp::endpoint> addrs;
  if (!rec)
    for (const auto& e : results) addrs.push_back(e.endpoint());
  if (addrs.empty()) {
    co_await http::respond(ex, 502, "CONNECT target did not resolve\n");
    co_return;
  }
  pool::ConnectOptions co;
  co.timeout = std::chrono::seconds(10);
  auto c = co_await pool::connect_endpoint(ex.executor(), addrs, co);
  if (c.ec) {
    co_await http::respond(ex, c.ec == asio::error::timed_out ? 504 : 502,
                           "CONNECT target unreachable\n");
    co_return;
  }
  http::Response ok;
  ok.status = 200;
  auto down = co_await ex.tunnel(ok);
  if (!down) {
    c.transport->close();
    if (!ex.head_sent()) co_await http::respond(ex, 502, "tunnel failed\n");
    co_return;
  }
  Opened guard(ex.request(), "connect");
  auto up = http::transport_stream(std::move(c.transport));
  (void)co_await run(*down, *up, tunnel_options(cfg));
  down->close();
  up->close();
}

}  // namespace strata::upstream::tunnel
