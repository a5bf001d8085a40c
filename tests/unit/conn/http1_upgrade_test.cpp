// Exchange::upgrade on the HTTP/1.1 driver: 101 sent, transport and
// leftover bytes handed to the handler, loop ended without closing it.
#include <gtest/gtest.h>

#include <memory>
#include <string>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>

#include "conn/server_context.hpp"
#include "io/transport.hpp"
#include "unit/support/loopback.hpp"

namespace asio = boost::asio;
namespace http = strata::http;
namespace conn = strata::conn;
using namespace std::chrono_literals;

namespace {

constexpr auto use_tuple = asio::as_tuple(asio::use_awaitable);

// /up: switches to a toy protocol served by a detached coroutine that owns
// the transport (so the driver's end cannot hide a close): it first sends
// "LEFT:<leftover>|", then echoes one read as "ECHO:<bytes>" and closes.
// A refused upgrade answers 200 "refused".
class UpgradeHandler : public http::Handler {
 public:
  asio::awaitable<void> handle(http::Exchange& ex) override {
    http::Response r;
    r.status = ex.request().target == "/bad-status" ? 200 : 101;
    r.headers.add("upgrade", "toy");
    std::string leftover;
    std::unique_ptr<strata::io::Transport> t;
    if (r.status == 101) t = co_await ex.upgrade(r, leftover);
    if (!t) {
      ++refused;
      co_await http::respond(ex, 200, "refused");
      co_return;
    }
    ++switched;
    asio::co_spawn(ex.executor(), serve_toy(std::move(t), std::move(leftover)), asio::detached);
  }

  static asio::awaitable<void> serve_toy(std::unique_ptr<strata::io::Transport> t,
                                         std::string leftover) {
    std::string hello = "LEFT:" + leftover + "|";
    if (co_await t->write(hello)) co_return;
    char buf[256];
    auto r = co_await t->read_some(std::span<char>(buf, sizeof buf));
    if (r.ec) co_return;
    std::string echo = "ECHO:" + std::string(buf, r.n);
    (void)co_await t->write(echo);
    t->close();
  }

  int switched = 0;
  int refused = 0;
};

class Ctx : public conn::ServerContext {
 public:
  Ctx() {
    auto cfg = std::make_shared<strata::config::Config>();
    cfg->timeouts.header = 500ms;
    cfg->timeouts.idle = 500ms;
    cfg->timeouts.body_idle = 500ms;
    strata::config::Listener l;
    l.name = "test";
    l.protocols = {"h1"};
    cfg->listeners.push_back(l);
    config = cfg;
  }
  std::shared_ptr<const conn::Snapshot> snapshot() const override {
    auto s = std::make_shared<conn::Snapshot>();
    s->config = config;
    s->listener = &config->listeners.front();
    s->handler = handler;
    return s;
  }
  bool draining() const override { return false; }
  void add(conn::Connection*) override { ++live; }
  void remove(conn::Connection*) override { --live; }

  std::shared_ptr<strata::config::Config> config;
  std::shared_ptr<UpgradeHandler> handler = std::make_shared<UpgradeHandler>();
  int live = 0;
};

// Sends `first`, reads until `marker` shows up, sends `second` (if any),
// then reads to EOF. Returns everything received.
std::string converse(Ctx& ctx, const std::string& first, const std::string& marker,
                     const std::string& second) {
  asio::io_context io;
  auto [server, client] = strata::test::loopback_pair(io);
  asio::co_spawn(io,
                 conn::serve_http1(strata::io::make_tcp_transport(std::move(server)), ctx,
                                   http::ConnInfo{}, ""),
                 asio::detached);
  std::string got;
  asio::co_spawn(
      io,
      [&]() -> asio::awaitable<void> {
        char buf[4096];
        (void)co_await asio::async_write(client, asio::buffer(first), use_tuple);
        bool sent = second.empty();
        for (int i = 0; i < 1000; ++i) {
          if (!sent && got.find(marker) != std::string::npos) {
            sent = true;
            (void)co_await asio::async_write(client, asio::buffer(second), use_tuple);
          }
          auto [ec, n] = co_await client.async_read_some(asio::buffer(buf), use_tuple);
          if (ec) break;
          got.append(buf, n);
        }
      },
      asio::detached);
  io.run_for(3s);
  return got;
}

const std::string kUpgrade =
    "GET /up HTTP/1.1\r\nHost: t\r\nConnection: keep-alive, Upgrade\r\nUpgrade: toy\r\n\r\n";

}  // namespace

TEST(Http1Upgrade, HandsTransportAndLeftoverToHandler) {
  Ctx ctx;
  // The first toy bytes travel in the same segment as the request head.
  std::string got = converse(ctx, kUpgrade + "early", "LEFT:", "xyz");
  EXPECT_EQ(ctx.handler->switched, 1);
  ASSERT_EQ(got.rfind("HTTP/1.1 101 Switching Protocols\r\n", 0), 0u) << got;
  EXPECT_NE(got.find("connection: upgrade\r\n"), std::string::npos) << got;
  EXPECT_NE(got.find("upgrade: toy\r\n"), std::string::npos) << got;
  auto body = got.substr(got.find("\r\n\r\n") + 4);
  // The driver neither closed the handed transport nor wrote on it again.
  EXPECT_EQ(body, "LEFT:early|ECHO:xyz");
  EXPECT_EQ(ctx.live, 0);  // the HTTP/1.1 connection itself has ended
}

TEST(Http1Upgrade, RefusedWithoutUpgradeRequestAndConnectionStaysHttp) {
  Ctx ctx;
  const std::string plain = "GET /up HTTP/1.1\r\nHost: t\r\nUpgrade: toy\r\n\r\n";  // no Connection token
  std::string got = converse(ctx, plain + "GET /up HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n",
                             "", "");
  EXPECT_EQ(ctx.handler->switched, 0);
  EXPECT_EQ(ctx.handler->refused, 2);
  EXPECT_EQ(got.find("101"), std::string::npos) << got;
  std::size_t n = 0;
  for (auto p = got.find("refused"); p != std::string::npos; p = got.find("refused", p + 1)) ++n;
  EXPECT_EQ(n, 2u) << got;
}

TEST(Http1Upgrade, RefusedForNon101Status) {
  Ctx ctx;
  std::string req =
      "GET /bad-status HTTP/1.1\r\nHost: t\r\nConnection: upgrade, close\r\nUpgrade: toy\r\n\r\n";
  std::string got = converse(ctx, req, "", "");
  EXPECT_EQ(ctx.handler->switched, 0);
  EXPECT_EQ(got.rfind("HTTP/1.1 200", 0), 0u) << got;
}

TEST(Http1Upgrade, RefusedWhileRequestBodyIsUnread) {
  Ctx ctx;
  std::string req =
      "POST /up HTTP/1.1\r\nHost: t\r\nConnection: upgrade, close\r\nUpgrade: toy\r\n"
      "Content-Length: 3\r\n\r\nabc";
  std::string got = converse(ctx, req, "", "");
  EXPECT_EQ(ctx.handler->switched, 0);
  EXPECT_EQ(got.rfind("HTTP/1.1 200", 0), 0u) << got;
}

TEST(Http1Upgrade, DetectsUpgradeRequests) {
  http::Request r;
  r.protocol = http::Protocol::http11;
  r.headers.add("upgrade", "websocket");
  EXPECT_FALSE(http::is_upgrade_request(r));
  r.headers.add("connection", "keep-alive , Upgrade");
  EXPECT_TRUE(http::is_upgrade_request(r));
  r.protocol = http::Protocol::http10;
  EXPECT_FALSE(http::is_upgrade_request(r));
  r.protocol = http::Protocol::h2;
  EXPECT_FALSE(http::is_upgrade_request(r));
}
