#include "upstream/tunnel/tunnel.hpp"

#include <gtest/gtest.h>

#include <string>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>

#include "http/tunnel.hpp"
#include "io/transport.hpp"
#include "unit/support/loopback.hpp"

namespace asio = boost::asio;
namespace tunnel = strata::upstream::tunnel;
using asio::ip::tcp;
using namespace std::chrono_literals;

namespace {

constexpr auto use_tuple = asio::as_tuple(asio::use_awaitable);

// client <-> [a | tunnel | b] <-> server
struct Rig {
  asio::io_context io;
  tcp::socket client{io}, server{io};
  std::unique_ptr<strata::io::Transport> a, b;
  Rig() {
    auto [a_srv, c] = strata::test::loopback_pair(io);
    auto [s, b_cli] = strata::test::loopback_pair(io);
    client = std::move(c);
    server = std::move(s);
    a = strata::io::make_tcp_transport(std::move(a_srv));
    b = strata::io::make_tcp_transport(std::move(b_cli));
  }
};

asio::awaitable<std::string> read_to_eof(tcp::socket& s) {
  std::string out;
  char buf[8192];
  for (;;) {
    auto [ec, n] = co_await s.async_read_some(asio::buffer(buf), use_tuple);
    if (ec) break;
    out.append(buf, n);
  }
  co_return out;
}

}  // namespace

TEST(Tunnel, RelaysBothWaysWithLeftoversAndHalfClose) {
  Rig r;
  std::optional<tunnel::End> end;
  std::string at_server, at_client;
  const std::string big(300000, 'x');
  tunnel::Options opt;
  opt.chunk = 4096;
  opt.idle = 5s;
  asio::co_spawn(r.io, [&]() -> asio::awaitable<void> {
    // Bytes read past the switch on either side come first.
    auto a = strata::http::transport_stream(std::move(r.a), "A-left|");
    auto b = strata::http::transport_stream(std::move(r.b), "B-left|");
    end = co_await tunnel::run(*a, *b, opt);
  }, asio::detached);
  // Client sends a big message then half-closes; server reads to EOF, then
  // answers and closes: both directions must arrive complete, in order.
  asio::co_spawn(r.io, [&]() -> asio::awaitable<void> {
    (void)co_await asio::async_write(r.client, asio::buffer(big), use_tuple);
    r.client.shutdown(tcp::socket::shutdown_send);
    at_client = co_await read_to_eof(r.client);
  }, asio::detached);
  asio::co_spawn(r.io, [&]() -> asio::awaitable<void> {
    at_server = co_await read_to_eof(r.server);
    (void)co_await asio::async_write(r.server, asio::buffer(std::string("reply")), use_tuple);
    r.server.shutdown(tcp::socket::shutdown_send);
  }, asio::detached);
  r.io.run_for(5s);
  ASSERT_TRUE(end.has_value());
  EXPECT_EQ(*end, tunnel::End::closed);
  EXPECT_EQ(at_server, "A-left|" + big);
  EXPECT_EQ(at_client, "B-left|reply");
}

TEST(Tunnel, IdleTimeoutClosesBothSides) {
  Rig r;
  std::optional<tunnel::End> end;
  tunnel::Options opt;
  opt.idle = 100ms;
  std::string at_client = "unset";
  asio::co_spawn(r.io, [&]() -> asio::awaitable<void> {
    auto a = strata::http::transport_stream(std::move(r.a));
    auto b = strata::http::transport_stream(std::move(r.b));
    end = co_await tunnel::run(*a, *b, opt);
  }, asio::detached);
  asio::co_spawn(r.io, [&]() -> asio::awaitable<void> {
    at_client = co_await read_to_eof(r.client);  // nobody talks: closed by the tunnel
  }, asio::detached);
  const auto start = std::chrono::steady_clock::now();
  r.io.run_for(3s);
  ASSERT_TRUE(end.has_value());
  EXPECT_EQ(*end, tunnel::End::idle);
  EXPECT_EQ(at_client, "");
  EXPECT_LT(std::chrono::steady_clock::now() - start, 3s);
}

TEST(Tunnel, ResetOnOneSideClosesTheOther) {
  Rig r;
  std::optional<tunnel::End> end;
  tunnel::Options opt;
  opt.idle = 5s;
  asio::co_spawn(r.io, [&]() -> asio::awaitable<void> {
    auto a = strata::http::transport_stream(std::move(r.a));
    auto b = strata::http::transport_stream(std::move(r.b));
    end = co_await tunnel::run(*a, *b, opt);
  }, asio::detached);
  std::string at_client = "unset";
  asio::co_spawn(r.io, [&]() -> asio::awaitable<void> {
    at_client = co_await read_to_eof(r.client);
  }, asio::detached);
  // The server aborts (RST): linger 0 then close.
  r.server.set_option(asio::socket_base::linger(true, 0));
  r.server.close();
  r.io.run_for(3s);
  ASSERT_TRUE(end.has_value());
  EXPECT_EQ(*end, tunnel::End::error);
  EXPECT_EQ(at_client, "");
}
