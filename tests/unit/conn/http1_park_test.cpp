// An idle HTTP/1.1 keep-alive connection parks between requests (no
// coroutine frame, its per-request state back in the worker's pool) and
// wakes for the next request; the idle timeout and drain close a parked
// connection. Fake clock (tests/unit/support/fake_timers.hpp): no sleeping.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/write.hpp>

#include "conn/http1_work.hpp"
#include "conn/server_context.hpp"
#include "obs/metrics.hpp"
#include "unit/support/fake_timers.hpp"
#include "unit/support/loopback.hpp"

namespace strata::conn {
namespace {

namespace asio = boost::asio;
using namespace std::chrono_literals;

class Ok final : public http::Handler {
 public:
  asio::awaitable<void> handle(http::Exchange& ex) override {
    std::string body = "ok:" + ex.request().target;
    co_await http::respond(ex, 200, body);
  }
};

class Ctx final : public ServerContext {
 public:
  std::shared_ptr<const Snapshot> snapshot() const override { return snap; }
  bool draining() const override { return false; }
  void add(Connection* c) override { conns.push_back(c); }
  void remove(Connection* c) override { std::erase(conns, c); }
  const ConnTime& time() const override { return timers.time; }
  std::shared_ptr<Snapshot> snap = std::make_shared<Snapshot>();
  test::FakeTimers timers;
  std::vector<Connection*> conns;
};

std::int64_t parked() {
  return obs::gauge("strata_http1_parked_connections", "").value();
}
std::uint64_t idle_timeouts() {
  return obs::counter("strata_http1_timeouts_total", "", {{"kind", "idle"}}).value();
}

struct Http1Park : ::testing::Test {
  Ctx ctx;
  asio::io_context io;
  std::unique_ptr<asio::ip::tcp::socket> client;
  bool served = false;
  std::int64_t parked_before = parked();

  void SetUp() override {
    auto cfg = std::make_shared<config::Config>();
    cfg->timeouts.header = 10s;
    cfg->timeouts.idle = 60s;
    config::Listener l;
    l.name = "test";
    l.protocols = {"h1"};
    cfg->listeners.push_back(l);
    ctx.snap->config = cfg;
    ctx.snap->listener = &cfg->listeners.front();
    ctx.snap->handler = std::make_shared<Ok>();
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
    EXPECT_EQ(parked(), parked_before);
    EXPECT_TRUE(ctx.conns.empty());
  }
  void settle() {
    for (int i = 0; i < 1000 && io.poll() > 0; ++i) {
    }
  }
  void send(const std::string& s) {
    asio::write(*client, asio::buffer(s));
    settle();
  }
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

TEST_F(Http1Park, IdleConnectionParksAndWakesForTheNextRequest) {
  // Before the first request the connection is under the header deadline,
  // not parked.
  EXPECT_EQ(parked(), parked_before);
  ASSERT_EQ(ctx.conns.size(), 1u);
  for (int i = 1; i <= 3; ++i) {
    send("GET /" + std::to_string(i) + " HTTP/1.1\r\nHost: t\r\n\r\n");
    bool eof;
    auto got = take(eof);
    EXPECT_EQ(got.rfind("HTTP/1.1 200 ", 0), 0u) << got;
    EXPECT_NE(got.find("ok:/" + std::to_string(i)), std::string::npos) << got;
    EXPECT_FALSE(eof);
    // Between requests: parked, its per-request state in this thread's pool.
    EXPECT_EQ(parked(), parked_before + 1);
    EXPECT_GE(http1_work_pooled(), 1u);
    EXPECT_EQ(ctx.conns.size(), 1u);  // still registered for drain
  }
  // Pipelined requests in one write: served in order, then parked again.
  send("GET /a HTTP/1.1\r\nHost: t\r\n\r\nGET /b HTTP/1.1\r\nHost: t\r\n\r\n");
  bool eof;
  auto got = take(eof);
  auto a = got.find("ok:/a"), b = got.find("ok:/b");
  ASSERT_NE(a, std::string::npos) << got;
  ASSERT_NE(b, std::string::npos) << got;
  EXPECT_LT(a, b);
  EXPECT_EQ(parked(), parked_before + 1);
}

TEST_F(Http1Park, IdleTimeoutClosesAParkedConnection) {
  auto before = idle_timeouts();
  send("GET / HTTP/1.1\r\nHost: t\r\n\r\n");
  bool eof;
  EXPECT_EQ(take(eof).rfind("HTTP/1.1 200 ", 0), 0u);
  EXPECT_EQ(parked(), parked_before + 1);
  ctx.timers.advance(59s);
  settle();
  EXPECT_EQ(take(eof), "");
  EXPECT_FALSE(eof);
  EXPECT_EQ(parked(), parked_before + 1);
  ctx.timers.advance(2s);
  settle();
  take(eof);
  EXPECT_TRUE(eof);
  EXPECT_EQ(idle_timeouts(), before + 1);
  EXPECT_EQ(parked(), parked_before);
  EXPECT_TRUE(served);
}

TEST_F(Http1Park, WakingRestartsTheIdleDeadline) {
  send("GET / HTTP/1.1\r\nHost: t\r\n\r\n");
  bool eof;
  take(eof);
  ctx.timers.advance(50s);
  settle();
  send("GET /again HTTP/1.1\r\nHost: t\r\n\r\n");
  EXPECT_NE(take(eof).find("ok:/again"), std::string::npos);
  ctx.timers.advance(50s);  // 100 s after the first request, 50 after the second
  settle();
  take(eof);
  EXPECT_FALSE(eof);
  EXPECT_EQ(parked(), parked_before + 1);
}

TEST_F(Http1Park, DrainClosesAParkedConnectionAtOnce) {
  send("GET / HTTP/1.1\r\nHost: t\r\n\r\n");
  bool eof;
  EXPECT_EQ(take(eof).rfind("HTTP/1.1 200 ", 0), 0u);
  EXPECT_EQ(parked(), parked_before + 1);
  ASSERT_EQ(ctx.conns.size(), 1u);
  ctx.conns.front()->drain();
  settle();
  take(eof);
  EXPECT_TRUE(eof);
  EXPECT_TRUE(served);
  EXPECT_EQ(parked(), parked_before);
}

TEST_F(Http1Park, ClientCloseEndsAParkedConnection) {
  send("GET / HTTP/1.1\r\nHost: t\r\n\r\n");
  bool eof;
  take(eof);
  EXPECT_EQ(parked(), parked_before + 1);
  client->shutdown(asio::ip::tcp::socket::shutdown_send);
  settle();
  EXPECT_TRUE(served);
  EXPECT_EQ(parked(), parked_before);
}

}  // namespace
}  // namespace strata::conn
