#include "tools/load/connector.hpp"

#include <netinet/in.h>
#include <sys/socket.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "io/tls_client.hpp"

namespace strata::tools::load {

namespace asio = boost::asio;
using asio::ip::tcp;
using clock_type = std::chrono::steady_clock;

asio::awaitable<Connected> connect_once(const ConnectParams& p) {
  using namespace asio::experimental::awaitable_operators;
  constexpr auto use_tuple = asio::as_tuple(asio::use_awaitable);
  Connected c;
  auto ex = co_await asio::this_coro::executor;
  tcp::socket sock(ex);
  tcp::socket* cur = &sock;  // what the watchdog closes
  asio::steady_timer timer(ex);
  // The watchdog closes the socket when a phase overruns, so the phase fails
  // whether or not the operation supports cancellation; if the phase ends
  // first, `||` cancels the timer wait.
  auto watchdog = [&]() -> asio::awaitable<void> {
    auto [ec] = co_await timer.async_wait(use_tuple);
    if (!ec) {
      boost::system::error_code ig;
      cur->close(ig);
    }
  };
  const auto t0 = clock_type::now();
  timer.expires_after(p.timeout);
  auto connect_op = [&]() -> asio::awaitable<boost::system::error_code> {
    if (!p.source.is_unspecified() && !p.endpoints.empty()) {
      const tcp::endpoint& to = p.endpoints.front();
      boost::system::error_code ec;
      sock.open(to.protocol(), ec);
      if (ec) co_return ec;
      int one = 1;
      ::setsockopt(sock.native_handle(), IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT, &one, sizeof one);
      sock.bind(tcp::endpoint(p.source, 0), ec);
      if (ec) co_return ec;
      auto [ec2] = co_await sock.async_connect(to, use_tuple);
      co_return ec2;
    }
    auto [ec, ep] = co_await asio::async_connect(sock, p.endpoints, use_tuple);
    (void)ep;
    co_return ec;
  };
  auto r1 = co_await (connect_op() || watchdog());
  if (r1.index() != 0 || std::get<0>(r1) || !sock.is_open()) {
    c.failure = Connected::Failure::connect;
    co_return c;
  }
  const auto t1 = clock_type::now();
  c.connect_time = t1 - t0;
  boost::system::error_code ig;
  sock.set_option(tcp::no_delay(true), ig);
  if (!p.tls) {
    c.transport = io::make_tcp_transport(std::move(sock));
    co_return c;
  }
  auto stream = std::make_unique<io::TlsStream>(std::move(sock), *p.tls);
  cur = &stream->next_layer();
  if (!io::prepare_client_ssl(stream->native_handle(), p.sni, p.verify)) {
    c.failure = Connected::Failure::tls;
    co_return c;
  }
  timer.expires_after(p.timeout);
  auto hs_op = [&]() -> asio::awaitable<boost::system::error_code> {
    auto [ec] = co_await stream->async_handshake(asio::ssl::stream_base::client, use_tuple);
    co_return ec;
  };
  auto r2 = co_await (hs_op() || watchdog());
  if (r2.index() != 0 || std::get<0>(r2) || !cur->is_open()) {
    c.failure = Connected::Failure::tls;
    co_return c;
  }
  c.tls_time = clock_type::now() - t1;
  const unsigned char* alpn = nullptr;
  unsigned len = 0;
  SSL_get0_alpn_selected(stream->native_handle(), &alpn, &len);
  if (alpn) c.alpn.assign(reinterpret_cast<const char*>(alpn), len);
  c.transport = io::make_tls_transport(std::move(stream));
  co_return c;
}

}  // namespace strata::tools::load
