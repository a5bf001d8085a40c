// HTTP/1.1 driver timeouts and the shared handler policy, on the fake
// clock (tests/unit/support/fake_timers.hpp): nothing here sleeps.
#include <gtest/gtest.h>

#include <stdexcept>
#include <string>
#include <vector>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>

#include "conn/server_context.hpp"
#include "obs/metrics.hpp"
#include "unit/support/fake_timers.hpp"
#include "unit/support/loopback.hpp"

namespace strata::conn {
namespace {

namespace asio = boost::asio;
using namespace std::chrono_literals;

class Handler final : public http::Handler {
 public:
  asio::awaitable<void> handle(http::Exchange& ex) override {
    if (ex.request().target == "/throw") throw std::runtime_error("handler bug");
    if (ex.request().target == "/duplex") co_return co_await duplex(ex);
    co_await http::respond(ex, 200, "ok");
  }
  // A reader coroutine takes request body pieces while this one answers
  // each with "pong:<piece>" (chunked both ways).
  static asio::awaitable<void> duplex(http::Exchange& ex) {
    http::Response r;
    if (co_await ex.send_head(r, false)) co_return;
    std::vector<std::string> inbox;
    bool eof = false;
    asio::steady_timer cv(ex.executor());
    asio::co_spawn(
        ex.executor(),
        [&]() -> asio::awaitable<void> {
          char buf[256];
          for (;;) {
            auto [ec, n] = co_await ex.read_body(std::span<char>(buf, sizeof buf));
            if (ec || n == 0) break;
            inbox.emplace_back(buf, n);
            cv.cancel();
          }
          eof = true;
          cv.cancel();
        },
        asio::detached);
    std::size_t next = 0;
    bool failed = false;
    while (!eof || next < inbox.size()) {
      if (next == inbox.size()) {
        cv.expires_at(asio::steady_timer::time_point::max());
        co_await cv.async_wait(asio::as_tuple(asio::use_awaitable));
        continue;
      }
      std::string reply = "pong:" + inbox[next++];
      if (!failed && co_await ex.send_body(reply, false)) failed = true;
    }
    if (!failed) co_await ex.send_body({}, true);
  }
};

class Ctx final : public ServerContext {
 public:
  std::shared_ptr<const Snapshot> snapshot() const override { return snap; }
  bool draining() const override { return false; }
  void add(Connection*) override {}
  void remove(Connection*) override {}
  const ConnTime& time() const override { return timers.time; }
  std::shared_ptr<Snapshot> snap = std::make_shared<Snapshot>();
  test::FakeTimers timers;
};

std::uint64_t counter(const std::string& series) {
  std::string text = obs::Registry::global().render();
  auto p = text.find("\n" + series + " ");
  if (p == std::string::npos) return 0;
  return std::stoull(text.substr(p + series.size() + 2));
}

struct Http1FakeTime : ::testing::Test {
  asio::io_context io;
  Ctx ctx;
  std::unique_ptr<asio::ip::tcp::socket> client;
  bool served = false;

  void SetUp() override {
    auto cfg = std::make_shared<config::Config>();
    cfg->timeouts.header = 10s;
    cfg->timeouts.idle = 60s;
    cfg->timeouts.body_idle = 30s;
    config::Listener l;
    l.name = "test";
    l.protocols = {"h1"};
    cfg->listeners.push_back(l);
    ctx.snap->config = cfg;
    ctx.snap->listener = &cfg->listeners.front();
    ctx.snap->handler = std::make_shared<Handler>();
    auto [s, c] = test::loopback_pair(io);
    client = std::make_unique<asio::ip::tcp::socket>(std::move(c));
    client->non_blocking(true);
    asio::co_spawn(
        io,
        [this, s = std::move(s)]() mutable -> asio::awaitable<void> {
          http::ConnInfo info;
          info.peer_ip = "127.0.0.1";
          co_await serve_http1(io::make_tcp_transport(std::move(s)), ctx, info, "");
          served = true;
        },
        asio::detached);
    settle();
  }
  void TearDown() override {
    client->close();
    for (int i = 0; i < 100 && !served; ++i) settle();
    EXPECT_TRUE(served);
  }
  void settle() {
    for (int i = 0; i < 1000 && io.poll() > 0; ++i) {
    }
  }
  void send(const std::string& s) {
    asio::write(*client, asio::buffer(s));
    settle();
  }
  // What the server sent so far; sets `eof` when it closed.
  std::string take(bool& eof) {
    std::string out;
    char buf[4096];
    eof = false;
    for (;;) {
      boost::system::error_code ec;
      auto n = client->read_some(asio::buffer(buf), ec);
      if (ec == asio::error::would_block) break;
      if (ec) {
        eof = true;
        break;
      }
      out.append(buf, n);
    }
    return out;
  }
};

TEST_F(Http1FakeTime, HeaderTimeout) {
  auto before = counter("strata_http1_timeouts_total{kind=\"header\"}");
  send("GET / HTTP/1.1\r\nHost: t\r\n");  // the head never ends
  ctx.timers.advance(9s);
  settle();
  bool eof;
  EXPECT_EQ(take(eof), "");
  EXPECT_FALSE(eof);
  ctx.timers.advance(2s);
  settle();
  EXPECT_EQ(take(eof), "");
  EXPECT_TRUE(eof);
  EXPECT_EQ(counter("strata_http1_timeouts_total{kind=\"header\"}"), before + 1);
}

TEST_F(Http1FakeTime, IdleTimeout) {
  auto before = counter("strata_http1_timeouts_total{kind=\"idle\"}");
  send("GET / HTTP/1.1\r\nHost: t\r\n\r\n");
  bool eof;
  EXPECT_EQ(take(eof).rfind("HTTP/1.1 200 ", 0), 0u);
  EXPECT_FALSE(eof);
  ctx.timers.advance(59s);  // past timeouts.header, inside timeouts.idle
  settle();
  EXPECT_EQ(take(eof), "");
  EXPECT_FALSE(eof);
  ctx.timers.advance(2s);
  settle();
  take(eof);
  EXPECT_TRUE(eof);
  EXPECT_EQ(counter("strata_http1_timeouts_total{kind=\"idle\"}"), before + 1);
}

TEST_F(Http1FakeTime, ThrowingHandlerGets500AndIsCounted) {
  auto before = counter("strata_http1_handler_errors_total");
  send("GET /throw HTTP/1.1\r\nHost: t\r\n\r\n");
  bool eof;
  EXPECT_EQ(take(eof).rfind("HTTP/1.1 500 ", 0), 0u);
  EXPECT_EQ(counter("strata_http1_handler_errors_total"), before + 1);
}

// Full duplex on HTTP/1.1: the request body is read while the response is
// written; each body piece is answered before the next is sent. The
// reader's body_idle deadline survives the writer's writes.
TEST_F(Http1FakeTime, FullDuplexPingPongKeepsReadDeadline) {
  auto before = counter("strata_http1_timeouts_total{kind=\"body\"}");
  send("POST /duplex HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n");
  std::string got;
  bool eof = false;
  for (int i = 0; i < 20; ++i) {
    std::string msg = "m" + std::to_string(i) + ";";
    char size[8];
    std::snprintf(size, sizeof size, "%zx", msg.size());
    send(std::string(size) + "\r\n" + msg + "\r\n");
    got += take(eof);
    ASSERT_NE(got.find("pong:" + msg), std::string::npos) << got;
    ctx.timers.advance(1s);  // moves time, far from any timeout
    settle();
  }
  EXPECT_EQ(got.rfind("HTTP/1.1 200 ", 0), 0u);
  ctx.timers.advance(28s);  // 29s since the last body byte
  settle();
  got += take(eof);
  EXPECT_FALSE(eof);
  ctx.timers.advance(2s);  // no body progress for body_idle: the connection closes
  settle();
  take(eof);
  EXPECT_TRUE(eof);
  EXPECT_EQ(counter("strata_http1_timeouts_total{kind=\"body\"}"), before + 1);
}

}  // namespace
}  // namespace strata::conn
