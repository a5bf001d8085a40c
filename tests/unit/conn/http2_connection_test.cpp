#include <gtest/gtest.h>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>

#include <functional>
#include <vector>

#include "conn/http2_read_buffer.hpp"
#include "conn/server_context.hpp"
#include "obs/metrics.hpp"
#include "unit/codec/http2/h2_test_client.hpp"
#include "unit/support/fake_timers.hpp"
#include "unit/support/loopback.hpp"

namespace strata::conn {
namespace {

namespace asio = boost::asio;
using asio::ip::tcp;
using test::H2Client;
constexpr auto use_tuple = asio::as_tuple(asio::use_awaitable);

// Test handler: echoes the request body as it streams in; "/trailers" adds
// trailers; "/gate" waits until the test opens the gate; "/nothing"
// returns without responding.
class TestHandler final : public http::Handler {
 public:
  explicit TestHandler(asio::io_context& io) : gate(io) { gate.expires_at(asio::steady_timer::time_point::max()); }
  asio::awaitable<void> handle(http::Exchange& ex) override {
    ++started;
    auto path = std::string(ex.request().path());
    if (path == "/nothing") co_return;
    if (path == "/duplex") co_return co_await duplex(ex);
    if (path == "/bigduplex") co_return co_await bigduplex(ex);
    if (path == "/gate") {
      co_await gate.async_wait(use_tuple);
      co_await http::respond(ex, 200, "after gate");
      co_return;
    }
    http::Response r;
    r.headers.add("content-type", "application/octet-stream");
    if (co_await ex.send_head(r, false)) co_return;
    std::vector<char> buf(16 * 1024);
    for (;;) {
      auto [ec, n] = co_await ex.read_body(buf);
      if (ec) {
        ex.reset();
        co_return;
      }
      if (n == 0) break;
      if (co_await ex.send_body(std::span<const char>(buf.data(), n), false)) co_return;
    }
    if (path == "/trailers") {
      http::Headers t;
      t.add("grpc-status", "0");
      co_await ex.send_trailers(t);
    } else {
      co_await ex.send_body({}, true);
    }
  }
  // Full duplex: a reader coroutine takes request body messages while this
  // one answers each with "pong:<message>" (send_body waits for the
  // session to frame every chunk when stream_buffer is tiny).
  asio::awaitable<void> duplex(http::Exchange& ex) {
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
    for (;;) {
      while (next == inbox.size() && !eof) {
        cv.expires_at(asio::steady_timer::time_point::max());
        co_await cv.async_wait(use_tuple);
      }
      if (next == inbox.size()) break;
      std::string reply = "pong:" + inbox[next++];
      if (co_await ex.send_body(reply, false)) {
        ex.reset();
        break;
      }
    }
    if (!ex.finished()) co_await ex.send_body({}, true);
    while (!eof) {  // the reader uses this frame's locals
      cv.expires_at(asio::steady_timer::time_point::max());
      co_await cv.async_wait(use_tuple);
    }
  }
  // Full duplex with both sides blocked: a reader waits for a body that
  // does not come while this coroutine writes 1 MiB into a client that
  // does not read.
  asio::awaitable<void> bigduplex(http::Exchange& ex) {
    http::Response r;
    if (co_await ex.send_head(r, false)) co_return;
    bool eof = false;
    asio::steady_timer cv(ex.executor());
    asio::co_spawn(
        ex.executor(),
        [&]() -> asio::awaitable<void> {
          char buf[256];
          for (;;) {
            auto [ec, n] = co_await ex.read_body(std::span<char>(buf, sizeof buf));
            if (ec) read_error = ec;
            if (ec || n == 0) break;
          }
          eof = true;
          cv.cancel();
        },
        asio::detached);
    std::string chunk(16 * 1024, 'x');
    for (int i = 0; i < 64; ++i)
      if (co_await ex.send_body(chunk, false)) break;
    while (!eof) {
      cv.expires_at(asio::steady_timer::time_point::max());
      co_await cv.async_wait(use_tuple);
    }
  }
  asio::steady_timer gate;
  int started = 0;
  boost::system::error_code read_error;
};

class FakeContext final : public ServerContext {
 public:
  std::shared_ptr<const Snapshot> snap;
  std::vector<Connection*> conns;
  bool is_draining = false;
  const ConnTime* fake_time = nullptr;
  std::shared_ptr<const Snapshot> snapshot() const override { return snap; }
  const ConnTime& time() const override { return fake_time ? *fake_time : ServerContext::time(); }
  bool draining() const override { return is_draining; }
  void add(Connection* c) override { conns.push_back(c); }
  void remove(Connection* c) override { std::erase(conns, c); }
};

struct Http2Connection : ::testing::Test {
  asio::io_context io;
  std::shared_ptr<TestHandler> handler = std::make_shared<TestHandler>(io);
  FakeContext ctx;
  config::Config cfg_storage;
  bool served = false;
  std::unique_ptr<tcp::socket> client;

  void start(std::function<void(config::Config&)> tweak = {}, std::unique_ptr<H2cUpgrade> up = nullptr) {
    auto cfg = std::make_shared<config::Config>();
    if (tweak) tweak(*cfg);
    auto snap = std::make_shared<Snapshot>();
    snap->config = cfg;
    snap->handler = handler;
    snap->alt_svc = "h3=\":8443\"";
    ctx.snap = snap;
    auto [s, c] = test::loopback_pair(io);
    client = std::make_unique<tcp::socket>(std::move(c));
    asio::co_spawn(
        io,
        [this, s = std::move(s), up = std::move(up)]() mutable -> asio::awaitable<void> {
          // Named locals: g++ 12 mishandles class prvalues passed to a
          // coroutine inside a co_await expression.
          http::ConnInfo info;
          info.peer_ip = "127.0.0.1";
          std::string initial;
          auto t = io::make_tcp_transport(std::move(s));
          co_await serve_http2(std::move(t), ctx, std::move(info), std::move(initial),
                               std::move(up));
          served = true;
        },
        asio::detached);
  }

  void TearDown() override {
    // Let the server coroutine finish before ctx and io go away.
    handler->gate.cancel();
    if (client) client->close();
    for (int i = 0; i < 50 && !served; ++i) io.run_one_for(std::chrono::milliseconds(200));
  }

  // Runs the client session over the socket until `done` or the peer closes.
  void drive(H2Client& c, std::function<bool()> done, std::function<void()> each = {}) {
    bool finished = false;
    asio::co_spawn(
        io,
        [&]() -> asio::awaitable<void> {
          std::vector<char> buf(64 * 1024);
          for (int i = 0; i < 200000 && !done(); ++i) {
            auto out = c.send();
            if (!out.empty()) {
              auto [ec, n] = co_await asio::async_write(*client, asio::buffer(out), use_tuple);
              if (ec) break;
            }
            if (done()) break;
            auto [ec, n] = co_await client->async_read_some(asio::buffer(buf), use_tuple);
            if (ec) break;
            c.recv(std::string(buf.data(), n));
            if (each) each();
          }
          finished = true;
        },
        asio::detached);
    for (int i = 0; i < 100000 && !finished; ++i) io.run_one_for(std::chrono::seconds(5));
    ASSERT_TRUE(finished);
  }
};

// (Alt-Svc is a response filter now, not the driver's: filter/alt_svc.hpp,
// tested in tests/unit/router/pipeline_filters_test.cpp.)
TEST_F(Http2Connection, EchoesBody) {
  start();
  H2Client c;
  std::string body = "hello h2";
  auto id = c.request("POST", "/echo", {}, &body);
  drive(c, [&] { return c.stream(id).closed; });
  EXPECT_EQ(c.stream(id).status, "200");
  EXPECT_EQ(c.stream(id).body, body);
  EXPECT_EQ(ctx.conns.size(), 1u);
}

// Between streams the reader waits for readability with its read buffer
// back in the worker's pool; the next request takes it again.
TEST_F(Http2Connection, IdleConnectionGivesItsReadBufferBack) {
  const std::size_t p0 = http2_read_buffers_pooled();
  start();
  H2Client c;
  std::string body = "one";
  auto id = c.request("POST", "/echo", {}, &body);
  drive(c, [&] { return c.stream(id).closed; });
  EXPECT_EQ(c.stream(id).body, body);
  for (int i = 0; i < 1000 && io.poll() > 0; ++i) {
  }
  EXPECT_EQ(http2_read_buffers_pooled(), std::max<std::size_t>(p0, 1));
  body = "two";
  auto id2 = c.request("POST", "/echo", {}, &body);
  drive(c, [&] { return c.stream(id2).closed; });
  EXPECT_EQ(c.stream(id2).status, "200");
  EXPECT_EQ(c.stream(id2).body, body);
  EXPECT_EQ(ctx.conns.size(), 1u);
}

TEST_F(Http2Connection, OneMebibyteBothWaysThroughFlowControl) {
  start([](config::Config& c) {
    c.limits.h2_initial_window = 65535;
    c.limits.h2_connection_window = 128 * 1024;
    c.limits.stream_buffer = 32 * 1024;
  });
  H2Client c;  // 64 KiB client windows: the server must wait for WINDOW_UPDATEs
  std::string body(1 << 20, '\0');
  for (std::size_t i = 0; i < body.size(); ++i) body[i] = char(i * 7 + (i >> 10));
  auto a = c.request("POST", "/echo", {}, &body);
  auto b = c.request("POST", "/echo", {}, &body);
  drive(c, [&] { return c.stream(a).closed && c.stream(b).closed; });
  EXPECT_EQ(c.stream(a).status, "200");
  EXPECT_EQ(c.stream(a).body.size(), body.size());
  EXPECT_TRUE(c.stream(a).body == body);
  EXPECT_TRUE(c.stream(b).body == body);
  EXPECT_EQ(c.stream(b).close_code, 0u);
}

TEST_F(Http2Connection, ResponseTrailers) {
  start();
  H2Client c;
  std::string body = "grpc-frame";
  auto id = c.request("POST", "/trailers", {{"te", "trailers"}}, &body);
  drive(c, [&] { return c.stream(id).closed; });
  EXPECT_EQ(c.stream(id).body, body);
  ASSERT_EQ(c.stream(id).trailers.size(), 1u);
  EXPECT_EQ(c.stream(id).trailers[0].second, "0");
  EXPECT_EQ(c.stream(id).close_code, 0u);
}

TEST_F(Http2Connection, UnfinishedHandlerGets500) {
  start();
  H2Client c;
  auto id = c.request("GET", "/nothing");
  drive(c, [&] { return c.stream(id).closed; });
  EXPECT_EQ(c.stream(id).status, "500");
}

TEST_F(Http2Connection, DrainSendsGoawayAndLetsInFlightStreamFinish) {
  start();
  H2Client c;
  auto id = c.request("GET", "/gate");
  drive(c, [&] { return handler->started == 1; });
  ASSERT_EQ(ctx.conns.size(), 1u);
  ctx.conns[0]->drain();
  drive(c, [&] { return c.got_goaway; });
  EXPECT_EQ(c.goaway_code, 0u);
  EXPECT_EQ(c.goaway_last, id);
  EXPECT_FALSE(c.stream(id).closed);
  handler->gate.cancel();
  drive(c, [&] { return c.stream(id).closed; });
  EXPECT_EQ(c.stream(id).status, "200");
  EXPECT_EQ(c.stream(id).body, "after gate");
  // No streams left: the server closes the connection and returns.
  drive(c, [] { return false; });
  for (int i = 0; i < 100 && !served; ++i) io.run_one_for(std::chrono::seconds(2));
  EXPECT_TRUE(served);
  EXPECT_TRUE(ctx.conns.empty());
}

TEST_F(Http2Connection, H2cUpgradeServesStreamOne) {
  auto up = std::make_unique<H2cUpgrade>();
  up->request.method = "POST";
  up->request.scheme = "http";
  up->request.authority = "example.com";
  up->request.target = "/echo";
  up->body = "upgraded body";
  start({}, std::move(up));
  H2Client c;
  nghttp2_session_upgrade2(c.raw(), nullptr, 0, 0, nullptr);
  drive(c, [&] { return c.stream(1).closed; });
  EXPECT_EQ(c.stream(1).status, "200");
  EXPECT_EQ(c.stream(1).body, "upgraded body");
}

TEST_F(Http2Connection, ClientCloseEndsConnection) {
  start();
  H2Client c;
  auto id = c.request("GET", "/gate");
  drive(c, [&] { return handler->started == 1; });
  (void)id;
  client->close();
  io.run_for(std::chrono::milliseconds(300));
  // The gated handler still runs; the connection waits for it.
  EXPECT_FALSE(served);
  handler->gate.cancel();
  for (int i = 0; i < 100 && !served; ++i) io.run_one_for(std::chrono::seconds(2));
  EXPECT_TRUE(served);
}

}  // namespace
}  // namespace strata::conn

namespace strata::conn {
namespace {

TEST_F(Http2Connection, IdleConnectionGetsGoawayAndCloses) {
  start([](config::Config& c) { c.timeouts.idle = std::chrono::milliseconds(50); });
  H2Client c;
  // Preface exchanged, then the client stays silent until the server ends it.
  drive(c, [] { return false; });
  EXPECT_TRUE(c.got_goaway);
  EXPECT_EQ(c.goaway_code, 0u);
  for (int i = 0; i < 50 && !served; ++i) io.run_one_for(std::chrono::milliseconds(200));
  EXPECT_TRUE(served);
}

}  // namespace
}  // namespace strata::conn

namespace strata::conn {
namespace {

// A request body the client releases one message at a time.
struct Pump {
  std::string pending;
  bool eof = false;
  static ssize_t read(nghttp2_session*, int32_t, uint8_t* buf, size_t len, uint32_t* flags,
                      nghttp2_data_source* src, void*) {
    auto* p = static_cast<Pump*>(src->ptr);
    if (p->pending.empty()) {
      if (!p->eof) return NGHTTP2_ERR_DEFERRED;
      *flags |= NGHTTP2_DATA_FLAG_EOF;
      return 0;
    }
    std::size_t n = std::min(len, p->pending.size());
    std::memcpy(buf, p->pending.data(), n);
    p->pending.erase(0, n);
    return ssize_t(n);
  }
};

// gRPC-style bidirectional stream: each message is sent only after the
// reply to the previous one arrived, so the handler must read the body
// and write the response at the same time on one exchange.
TEST_F(Http2Connection, FullDuplexPingPong) {
  start([](config::Config& c) { c.limits.stream_buffer = 1; });
  H2Client c;
  Pump pump;
  std::string m = ":method", mv = "POST", sc = ":scheme", scv = "http", au = ":authority",
              auv = "example.com", pa = ":path", pav = "/duplex";
  nghttp2_nv nv[] = {{(uint8_t*)m.data(), (uint8_t*)mv.data(), m.size(), mv.size(), 0},
                     {(uint8_t*)sc.data(), (uint8_t*)scv.data(), sc.size(), scv.size(), 0},
                     {(uint8_t*)au.data(), (uint8_t*)auv.data(), au.size(), auv.size(), 0},
                     {(uint8_t*)pa.data(), (uint8_t*)pav.data(), pa.size(), pav.size(), 0}};
  nghttp2_data_provider prd{};
  prd.source.ptr = &pump;
  prd.read_callback = &Pump::read;
  auto id = nghttp2_submit_request(c.raw(), nullptr, nv, 4, &prd, nullptr);
  ASSERT_GT(id, 0);
  constexpr int kMessages = 200;
  int sent = 0;
  std::string expected;
  auto next = [&] {
    if (c.stream(id).body.size() < expected.size()) return;  // reply not complete yet
    if (sent == kMessages) {
      if (!pump.eof) pump.eof = true, nghttp2_session_resume_data(c.raw(), id);
      return;
    }
    std::string msg = "m" + std::to_string(sent++) + ";";
    expected += "pong:" + msg;
    pump.pending = msg;
    nghttp2_session_resume_data(c.raw(), id);
  };
  next();
  drive(c, [&] { return c.stream(id).closed; }, next);
  EXPECT_EQ(c.stream(id).status, "200");
  EXPECT_EQ(sent, kMessages);
  EXPECT_EQ(c.stream(id).body, expected);
  EXPECT_EQ(c.stream(id).close_code, 0u);
}

}  // namespace
}  // namespace strata::conn

namespace strata::conn {
namespace {

// Driver timeouts on the fake clock: nothing here sleeps; time moves only
// by FakeTimers::advance.
struct Http2FakeTime : Http2Connection {
  test::FakeTimers timers;
  void SetUp() override { ctx.fake_time = &timers.time; }
  // Runs ready work until none is left; returns the rounds it took (a
  // waiter that keeps waking itself never settles).
  int settle() {
    int rounds = 0;
    while (rounds < 1000 && io.poll() > 0) ++rounds;
    return rounds;
  }
  std::size_t pending_bytes() { return client->available(); }
};

std::uint64_t counter_value(const std::string& name) {
  std::string text = obs::Registry::global().render();
  auto p = text.find("\n" + name + " ");
  if (p == std::string::npos) return 0;
  return std::stoull(text.substr(p + name.size() + 2));
}

TEST_F(Http2FakeTime, IdleTimeoutOnFakeClock) {
  start([](config::Config& c) { c.timeouts.idle = std::chrono::seconds(60); });
  H2Client c;
  auto id = c.request("GET", "/nothing");  // a complete head, so timeouts.header is met
  drive(c, [&] { return c.stream(id).closed; });
  settle();
  timers.advance(std::chrono::seconds(59));
  settle();
  EXPECT_EQ(pending_bytes(), 0u);  // nothing sent before the idle time
  timers.advance(std::chrono::seconds(2));
  settle();
  drive(c, [&] { return c.got_goaway; });
  EXPECT_TRUE(c.got_goaway);
  EXPECT_EQ(c.goaway_code, 0u);
}

TEST_F(Http2FakeTime, HeaderTimeoutClosesConnectionWithoutRequest) {
  start([](config::Config& c) { c.timeouts.header = std::chrono::seconds(10); });
  auto before = counter_value("strata_http2_header_timeouts_total");
  H2Client c;
  drive(c, [&] { return c.settings_seen > 0; });  // preface and SETTINGS, no request
  settle();
  auto quiet = pending_bytes();  // our SETTINGS ACK at most
  timers.advance(std::chrono::seconds(9));
  settle();
  EXPECT_EQ(pending_bytes(), quiet);
  timers.advance(std::chrono::seconds(2));
  settle();
  drive(c, [] { return false; });  // until the server closes
  EXPECT_TRUE(c.got_goaway);
  client->close();
  for (int i = 0; i < 100 && !served; ++i) settle();
  EXPECT_TRUE(served);
  EXPECT_EQ(counter_value("strata_http2_header_timeouts_total"), before + 1);
}

TEST_F(Http2FakeTime, HeaderTimeoutOnUnfinishedHeaderBlock) {
  start([](config::Config& c) { c.timeouts.header = std::chrono::seconds(10); });
  H2Client c;
  auto id = c.request("GET", "/nothing");
  drive(c, [&] { return c.stream(id).closed; });
  EXPECT_EQ(c.stream(id).status, "500");
  timers.advance(std::chrono::seconds(30));  // well past the first-head deadline: fine
  settle();
  EXPECT_EQ(pending_bytes(), 0u);
  // HEADERS for stream 99 without END_HEADERS: the block never completes.
  std::string hpack = "\x82\x86\x84";  // :method GET, :scheme http, :path /
  auto frame = test::h2_frame(0x1, 0x0, 99, hpack);
  asio::write(*client, asio::buffer(frame));
  settle();
  timers.advance(std::chrono::seconds(9));
  settle();
  EXPECT_EQ(pending_bytes(), 0u);
  timers.advance(std::chrono::seconds(2));
  settle();
  EXPECT_GT(pending_bytes(), 0u);  // GOAWAY
  drive(c, [] { return false; });  // until the server closes
  EXPECT_TRUE(c.got_goaway);
  client->close();
  for (int i = 0; i < 100 && !served; ++i) settle();
  EXPECT_TRUE(served);
}

// Reader and writer both blocked on one exchange: the connection goes
// quiet (no coroutine keeps waking the other), and the reader's body_idle
// still fires while the writer waits.
TEST_F(Http2FakeTime, FullDuplexWaitersDoNotWakeEachOther) {
  start([](config::Config& c) {
    c.timeouts.body_idle = std::chrono::seconds(30);
    c.limits.stream_buffer = 16 * 1024;
  });
  H2Client c;
  Pump pump;  // never sends: the body stays open
  std::string m = ":method", mv = "POST", sc = ":scheme", scv = "http", au = ":authority",
              auv = "example.com", pa = ":path", pav = "/bigduplex";
  nghttp2_nv nv[] = {{(uint8_t*)m.data(), (uint8_t*)mv.data(), m.size(), mv.size(), 0},
                     {(uint8_t*)sc.data(), (uint8_t*)scv.data(), sc.size(), scv.size(), 0},
                     {(uint8_t*)au.data(), (uint8_t*)auv.data(), au.size(), auv.size(), 0},
                     {(uint8_t*)pa.data(), (uint8_t*)pav.data(), pa.size(), pav.size(), 0}};
  nghttp2_data_provider prd{};
  prd.source.ptr = &pump;
  prd.read_callback = &Pump::read;
  auto id = nghttp2_submit_request(c.raw(), nullptr, nv, 4, &prd, nullptr);
  ASSERT_GT(id, 0);
  drive(c, [&] { return !c.stream(id).body.empty(); });
  // The client stops reading: the server fills the window and both wait.
  EXPECT_LT(settle(), 1000);
  EXPECT_EQ(settle(), 0);
  EXPECT_FALSE(c.stream(id).closed);
  timers.advance(std::chrono::seconds(31));
  settle();
  drive(c, [&] { return c.stream(id).closed; });
  EXPECT_EQ(c.stream(id).close_code, 0x8u);  // CANCEL: no body progress for body_idle
  EXPECT_EQ(handler->read_error, asio::error::timed_out);
}

}  // namespace
}  // namespace strata::conn
