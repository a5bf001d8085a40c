#include <gtest/gtest.h>

#include <functional>
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
#include "unit/support/loopback.hpp"

namespace asio = boost::asio;
namespace http = strata::http;
namespace conn = strata::conn;
using namespace std::chrono_literals;

namespace {

constexpr auto use_tuple = asio::as_tuple(asio::use_awaitable);

// Echo handler; the target picks a behaviour.
class EchoHandler : public http::Handler {
 public:
  asio::awaitable<void> handle(http::Exchange& ex) override {
    auto& req = ex.request();
    std::string target = req.target;
    if (target == "/none") co_return;  // no response -> 500
    if (target == "/throw") throw std::runtime_error("handler bug");
    if (target == "/noread") {
      co_await http::respond(ex, 200, "not read");
      co_return;
    }
    if (target == "/relay") {  // as the proxy's relay: head, then the body ending the response
      http::Response r;
      r.headers.add("content-length", "5");
      auto head = http::send_head_fast(ex, r, false);
      if (!head.done) head.ec = co_await std::move(head.wait);
      if (head.ec) co_return;
      auto body = http::send_body_fast(ex, std::span<const char>("hello", 5), true);
      if (!body.done) co_await std::move(body.wait);
      co_return;
    }
    if (target == "/slow") {
      asio::steady_timer t(ex.executor(), 700ms);
      co_await t.async_wait(use_tuple);
      co_await http::respond(ex, 200, "slow done");
      co_return;
    }
    std::string body;
    char buf[5];  // small on purpose: many read_body calls
    http::error_code body_ec;
    while (true) {
      auto r = co_await ex.read_body(buf);
      if (r.ec) {
        body_ec = r.ec;
        break;
      }
      if (r.n == 0) break;
      body.append(buf, r.n);
    }
    if (body_ec) co_return;  // codec answers 413/400
    if (target == "/204") {
      http::Response r;
      r.status = 204;
      co_await ex.send_head(r, true);
      co_return;
    }
    if (target == "/chunked" || target == "/trailers") {
      http::Response r;
      co_await ex.send_head(r, false);
      co_await ex.send_body(std::span<const char>("abc", 3), false);
      co_await ex.send_body(std::span<const char>(body.data(), body.size()), false);
      if (target == "/trailers") {
        http::Headers t;
        t.add("x-got", ex.request_trailers() ? ex.request_trailers()->get("x-t").value_or("-")
                                             : std::string_view("none"));
        co_await ex.send_trailers(t);
      } else {
        co_await ex.send_body({}, true);
      }
      co_return;
    }
    co_await http::respond(ex, 200, req.method + " " + target + " " + body);
  }
};

class FakeContext : public conn::ServerContext {
 public:
  FakeContext() {
    auto cfg = std::make_shared<strata::config::Config>();
    cfg->timeouts.header = 300ms;
    cfg->timeouts.idle = 300ms;
    cfg->timeouts.body_idle = 300ms;
    cfg->limits.max_request_line = 256;
    cfg->limits.max_header_bytes = 1024;
    cfg->limits.max_headers = 20;
    cfg->limits.max_body = 100;
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
    s->alt_svc = alt_svc;
    return s;
  }
  bool draining() const override { return drain_all; }
  void add(conn::Connection* c) override { conns.push_back(c); }
  void remove(conn::Connection* c) override { std::erase(conns, c); }

  std::shared_ptr<strata::config::Config> config;
  std::shared_ptr<http::Handler> handler = std::make_shared<EchoHandler>();
  std::string alt_svc;
  bool drain_all = false;
  std::vector<conn::Connection*> conns;
};

// A scripted client: send text, wait for text, wait for EOF, call back.
struct Step {
  enum Kind { send, until, eof, call, pause } kind;
  std::string text;
  int count = 1;
  std::function<void()> fn;
};
Step Send(std::string s) { return {Step::send, std::move(s)}; }
Step Until(std::string s, int n = 1) { return {Step::until, std::move(s), n}; }
Step Eof() { return {Step::eof, {}}; }
Step Call(std::function<void()> f) { return {Step::call, {}, 1, std::move(f)}; }
Step Pause(int ms) { return {Step::pause, {}, ms}; }

struct Outcome {
  std::string received;
  bool eof = false;
  bool script_done = false;
  std::chrono::milliseconds elapsed{};
};

int count_of(const std::string& hay, const std::string& needle) {
  int n = 0;
  for (auto p = hay.find(needle); p != std::string::npos; p = hay.find(needle, p + 1)) ++n;
  return n;
}

Outcome run_script(FakeContext& ctx, std::vector<Step> steps, std::chrono::milliseconds limit = 3s) {
  asio::io_context io;
  auto [server, client] = strata::test::loopback_pair(io);
  http::ConnInfo info;
  info.peer_ip = "127.0.0.1";
  asio::co_spawn(io,
                 conn::serve_http1(strata::io::make_tcp_transport(std::move(server)), ctx, info, ""),
                 asio::detached);
  Outcome out;
  auto start = std::chrono::steady_clock::now();
  asio::co_spawn(
      io,
      [&]() -> asio::awaitable<void> {
        char buf[4096];
        for (auto& s : steps) {
          if (s.kind == Step::send) {
            auto [ec, n] = co_await asio::async_write(client, asio::buffer(s.text), use_tuple);
            if (ec) co_return;
          } else if (s.kind == Step::call) {
            s.fn();
          } else if (s.kind == Step::pause) {
            asio::steady_timer t(io, std::chrono::milliseconds(s.count));
            co_await t.async_wait(use_tuple);
          } else {
            while (s.kind == Step::eof || count_of(out.received, s.text) < s.count) {
              auto [ec, n] = co_await client.async_read_some(asio::buffer(buf), use_tuple);
              if (ec) {
                out.eof = true;
                break;
              }
              out.received.append(buf, n);
            }
            if (out.eof && s.kind != Step::eof) co_return;
          }
        }
        out.script_done = true;
        out.elapsed = std::chrono::duration_cast<std::chrono::milliseconds>(
            std::chrono::steady_clock::now() - start);
        boost::system::error_code ec;
        client.close(ec);
      },
      asio::detached);
  io.run_for(limit);
  return out;
}

const std::string kGet1 = "GET /1 HTTP/1.1\r\nHost: t\r\n\r\n";

std::uint64_t metric(const std::string& name, const std::string& label) {
  // Parse the rendered text: "<name>{<label>} <value>".
  std::string text = strata::obs::Registry::global().render();
  std::string key = name + "{" + label + "} ";
  auto p = text.find(key);
  if (p == std::string::npos) return 0;
  return std::stoull(text.substr(p + key.size()));
}

}  // namespace

TEST(Http1Connection, KeepAliveServesSequentialRequests) {
  FakeContext ctx;
  auto o = run_script(ctx, {Send(kGet1), Until("GET /1 "), Send("GET /2 HTTP/1.1\r\nHost: t\r\n\r\n"),
                            Until("GET /2 ")});
  ASSERT_TRUE(o.script_done);
  EXPECT_FALSE(o.eof);
  EXPECT_EQ(count_of(o.received, "HTTP/1.1 200 OK\r\n"), 2);
  EXPECT_EQ(count_of(o.received, "connection: close"), 0);
  EXPECT_NE(o.received.find("content-length: 7\r\n"), std::string::npos);
  EXPECT_NE(o.received.find("server: strata\r\n"), std::string::npos);
  EXPECT_NE(o.received.find("date: "), std::string::npos);
}

TEST(Http1Connection, PipelinedRequestsInOneWriteAnswerInOrder) {
  FakeContext ctx;
  std::string three = "GET /a HTTP/1.1\r\nHost: t\r\n\r\n"
                      "POST /b HTTP/1.1\r\nHost: t\r\nContent-Length: 3\r\n\r\nxyz"
                      "GET /c HTTP/1.1\r\nHost: t\r\n\r\n";
  auto o = run_script(ctx, {Send(three), Until("HTTP/1.1 200", 3), Until("GET /c ")});
  ASSERT_TRUE(o.script_done);
  auto a = o.received.find("GET /a ");
  auto b = o.received.find("POST /b xyz");
  auto c = o.received.find("GET /c ");
  ASSERT_NE(a, std::string::npos);
  ASSERT_NE(b, std::string::npos);
  ASSERT_NE(c, std::string::npos);
  EXPECT_LT(a, b);
  EXPECT_LT(b, c);
}

// A response whose last body bytes end it leaves at once, not held back
// for the answer to a pipelined request behind it (that one may wait long:
// here 700 ms).
TEST(Http1Connection, PipelinedResponseIsNotHeldBehindASlowOne) {
  FakeContext ctx;
  std::chrono::steady_clock::time_point start, first;
  auto o = run_script(ctx, {Call([&] { start = std::chrono::steady_clock::now(); }),
                            Send("GET /relay HTTP/1.1\r\nHost: t\r\n\r\n"
                                 "GET /slow HTTP/1.1\r\nHost: t\r\n\r\n"),
                            Until("hello"), Call([&] { first = std::chrono::steady_clock::now(); }),
                            Until("slow done")});
  ASSERT_TRUE(o.script_done);
  EXPECT_LT(first - start, 350ms) << "the first response waited for the second";
  EXPECT_LT(o.received.find("hello"), o.received.find("slow done"));
}

TEST(Http1Connection, ChunkedRequestAndChunkedResponseWithTrailers) {
  FakeContext ctx;
  auto o = run_script(ctx, {Send("POST /trailers HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n"
                                 "5\r\nhello\r\n6;ext=1\r\n world\r\n0\r\nX-T: yes\r\n\r\n"),
                            Until("\r\n0\r\n"), Until("\r\n\r\n", 2)});
  ASSERT_TRUE(o.script_done);
  EXPECT_NE(o.received.find("transfer-encoding: chunked\r\n"), std::string::npos);
  EXPECT_NE(o.received.find("3\r\nabc\r\nb\r\nhello world\r\n0\r\nx-got: yes\r\n\r\n"),
            std::string::npos)
      << o.received;
}

TEST(Http1Connection, ExpectContinueSends100OnFirstRead) {
  FakeContext ctx;
  auto o = run_script(ctx, {Send("POST /e HTTP/1.1\r\nHost: t\r\nExpect: 100-continue\r\n"
                                 "Content-Length: 4\r\n\r\n"),
                            Until("HTTP/1.1 100 Continue\r\n\r\n"), Send("data"),
                            Until("POST /e data")});
  ASSERT_TRUE(o.script_done);
  EXPECT_EQ(o.received.find("HTTP/1.1 100 Continue\r\n\r\n"), 0u);
}

TEST(Http1Connection, ExpectContinueNotReadClosesWithout100) {
  FakeContext ctx;
  auto o = run_script(ctx, {Send("POST /noread HTTP/1.1\r\nHost: t\r\nExpect: 100-continue\r\n"
                                 "Content-Length: 4\r\n\r\n"),
                            Eof()});
  ASSERT_TRUE(o.script_done);
  EXPECT_EQ(o.received.find("100 Continue"), std::string::npos);
  EXPECT_NE(o.received.find("connection: close\r\n"), std::string::npos);
  EXPECT_NE(o.received.find("not read"), std::string::npos);
}

TEST(Http1Connection, HeadHasNoBodyAndKeepsFraming) {
  FakeContext ctx;
  auto o = run_script(ctx, {Send("HEAD /h HTTP/1.1\r\nHost: t\r\n\r\n" + kGet1), Until("GET /1 ")});
  ASSERT_TRUE(o.script_done);
  EXPECT_NE(o.received.find("content-length: 8\r\n"), std::string::npos);  // "HEAD /h "
  EXPECT_EQ(o.received.find("HEAD /h "), std::string::npos);
  EXPECT_EQ(count_of(o.received, "HTTP/1.1 200 OK"), 2);
}

TEST(Http1Connection, NoContentHasNoBody) {
  FakeContext ctx;
  auto o = run_script(ctx, {Send("GET /204 HTTP/1.1\r\nHost: t\r\n\r\n" + kGet1), Until("GET /1 ")});
  ASSERT_TRUE(o.script_done);
  EXPECT_EQ(o.received.find("HTTP/1.1 204 No Content\r\n"), 0u);
  auto head_end = o.received.find("\r\n\r\n");
  EXPECT_EQ(o.received.substr(head_end + 4, 8), "HTTP/1.1");
  EXPECT_EQ(o.received.find("content-length: 0"), std::string::npos);
}

TEST(Http1Connection, OversizedHeadIs431AndCloses) {
  FakeContext ctx;
  auto before = metric("strata_http1_bad_requests_total", "reason=\"headers_too_large\"");
  auto o = run_script(ctx, {Send("GET / HTTP/1.1\r\nHost: t\r\nX-Big: " + std::string(2000, 'a') +
                                 "\r\n\r\n"),
                            Eof()});
  ASSERT_TRUE(o.script_done);
  EXPECT_EQ(o.received.find("HTTP/1.1 431 "), 0u);
  EXPECT_NE(o.received.find("connection: close\r\n"), std::string::npos);
  EXPECT_EQ(metric("strata_http1_bad_requests_total", "reason=\"headers_too_large\""), before + 1);
}

TEST(Http1Connection, LongTargetIs414) {
  FakeContext ctx;
  auto o = run_script(ctx, {Send("GET /" + std::string(400, 'a') + " HTTP/1.1\r\nHost: t\r\n\r\n"),
                            Eof()});
  ASSERT_TRUE(o.script_done);
  EXPECT_EQ(o.received.find("HTTP/1.1 414 URI Too Long\r\n"), 0u);
}

TEST(Http1Connection, LargeContentLengthIs413BeforeBody) {
  FakeContext ctx;
  auto o = run_script(ctx, {Send("POST / HTTP/1.1\r\nHost: t\r\nContent-Length: 101\r\n\r\n"), Eof()});
  ASSERT_TRUE(o.script_done);
  EXPECT_EQ(o.received.find("HTTP/1.1 413 "), 0u);
}

TEST(Http1Connection, ChunkedBodyOverLimitIs413) {
  FakeContext ctx;
  auto o = run_script(ctx, {Send("POST / HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n"
                                 "40\r\n" + std::string(64, 'x') + "\r\n40\r\n" +
                                 std::string(64, 'x') + "\r\n0\r\n\r\n"),
                            Eof()});
  ASSERT_TRUE(o.script_done);
  EXPECT_EQ(o.received.find("HTTP/1.1 413 "), 0u) << o.received;
  EXPECT_NE(o.received.find("connection: close\r\n"), std::string::npos);
}

TEST(Http1Connection, MalformedInputIs400CloseAndCounted) {
  FakeContext ctx;
  auto before = metric("strata_http1_bad_requests_total", "reason=\"content_length_with_transfer_encoding\"");
  auto o = run_script(ctx, {Send("POST / HTTP/1.1\r\nHost: t\r\nContent-Length: 3\r\n"
                                 "Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n"),
                            Eof()});
  ASSERT_TRUE(o.script_done);
  EXPECT_EQ(o.received.find("HTTP/1.1 400 Bad Request\r\n"), 0u);
  EXPECT_EQ(metric("strata_http1_bad_requests_total",
                   "reason=\"content_length_with_transfer_encoding\""),
            before + 1);
  auto v = run_script(ctx, {Send("GET / HTTP/2.0\r\n\r\n"), Eof()});
  EXPECT_EQ(v.received.find("HTTP/1.1 505 "), 0u);
  auto te = run_script(ctx, {Send("POST / HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: br\r\n\r\n"), Eof()});
  EXPECT_EQ(te.received.find("HTTP/1.1 501 "), 0u);
}

TEST(Http1Connection, SlowlorisHeaderTimeoutCloses) {
  FakeContext ctx;
  auto before = metric("strata_http1_timeouts_total", "kind=\"header\"");
  // Dribble bytes well inside the idle time but past the header deadline.
  auto o = run_script(ctx, {Send("GET / HTTP/1.1\r\n"), Pause(100), Send("X-A: 1\r\n"), Pause(100),
                            Send("X-B: 2\r\n"), Pause(150), Send("X-C: 3\r\n"), Eof()});
  ASSERT_TRUE(o.script_done);
  EXPECT_TRUE(o.eof);
  EXPECT_TRUE(o.received.empty());
  EXPECT_LT(o.elapsed, 1500ms);
  EXPECT_EQ(metric("strata_http1_timeouts_total", "kind=\"header\""), before + 1);
}

TEST(Http1Connection, IdleKeepAliveTimeoutCloses) {
  FakeContext ctx;
  auto before = metric("strata_http1_timeouts_total", "kind=\"idle\"");
  auto o = run_script(ctx, {Send(kGet1), Until("GET /1 "), Eof()});
  ASSERT_TRUE(o.script_done);
  EXPECT_LT(o.elapsed, 1500ms);
  EXPECT_EQ(metric("strata_http1_timeouts_total", "kind=\"idle\""), before + 1);
}

TEST(Http1Connection, DrainClosesIdleConnection) {
  FakeContext ctx;
  ctx.config->timeouts.idle = 10s;
  auto o = run_script(ctx, {Send(kGet1), Until("GET /1 "), Call([&] {
                              ASSERT_EQ(ctx.conns.size(), 1u);
                              ctx.conns.front()->drain();
                            }),
                            Eof()});
  ASSERT_TRUE(o.script_done);
  EXPECT_LT(o.elapsed, 1500ms);
  EXPECT_TRUE(ctx.conns.empty());
}

TEST(Http1Connection, DrainingContextSendsConnectionClose) {
  FakeContext ctx;
  ctx.drain_all = true;
  auto o = run_script(ctx, {Send(kGet1), Eof()});
  ASSERT_TRUE(o.script_done);
  EXPECT_NE(o.received.find("GET /1 "), std::string::npos);
  EXPECT_NE(o.received.find("connection: close\r\n"), std::string::npos);
}

TEST(Http1Connection, Http10ResponseIsCloseDelimitedNotChunked) {
  FakeContext ctx;
  auto o = run_script(ctx, {Send("GET /chunked HTTP/1.0\r\n\r\n"), Eof()});
  ASSERT_TRUE(o.script_done);
  EXPECT_EQ(o.received.find("transfer-encoding"), std::string::npos);
  EXPECT_NE(o.received.find("connection: close\r\n"), std::string::npos);
  EXPECT_NE(o.received.find("\r\n\r\nabc"), std::string::npos);
  auto k = run_script(ctx, {Send("GET /k HTTP/1.0\r\nConnection: keep-alive\r\n\r\n"), Until("GET /k ")});
  EXPECT_NE(k.received.find("connection: keep-alive\r\n"), std::string::npos);
  EXPECT_FALSE(k.eof);
}

// (Alt-Svc is a response filter now, not the driver's: filter/alt_svc.hpp,
// tested in tests/unit/router/pipeline_filters_test.cpp.)
TEST(Http1Connection, HandlerWithoutResponseGets500) {
  FakeContext ctx;
  ctx.alt_svc = "h3=\":8443\"";
  auto o = run_script(ctx, {Send("GET /none HTTP/1.1\r\nHost: t\r\n\r\n"), Until("\r\n\r\n")});
  ASSERT_TRUE(o.script_done);
  EXPECT_EQ(o.received.find("HTTP/1.1 500 "), 0u);
}

TEST(Http1Connection, UnreadBodyIsDrainedBetweenKeepAliveRequests) {
  FakeContext ctx;
  auto o = run_script(ctx, {Send("POST /noread HTTP/1.1\r\nHost: t\r\nContent-Length: 5\r\n\r\nhello" +
                                 kGet1),
                            Until("GET /1 ")});
  ASSERT_TRUE(o.script_done);
  EXPECT_EQ(count_of(o.received, "HTTP/1.1 200 OK"), 2);
}

TEST(Http1Connection, H2cUpgradeAnswers101WhenListenerAllowsIt) {
  FakeContext ctx;
  ctx.config->listeners.front().protocols = {"h1", "h2c"};
  std::string up = "GET /u HTTP/1.1\r\nHost: t\r\nConnection: Upgrade, HTTP2-Settings\r\n"
                   "Upgrade: h2c\r\nHTTP2-Settings: AAMAAABkAAQAAP__\r\n\r\n";
  auto o = run_script(ctx, {Send(up), Until("\r\n\r\n")});
  ASSERT_TRUE(o.script_done);
  EXPECT_EQ(o.received.find("HTTP/1.1 101 Switching Protocols\r\n"), 0u) << o.received;
  EXPECT_NE(o.received.find("upgrade: h2c\r\n"), std::string::npos);
  // Without h2c on the listener the request is served as HTTP/1.1.
  ctx.config->listeners.front().protocols = {"h1"};
  auto h1 = run_script(ctx, {Send(up), Until("GET /u ")});
  EXPECT_EQ(h1.received.find("HTTP/1.1 200 OK\r\n"), 0u);
}

TEST(Http1Connection, WebSocketUpgradeIsAnOrdinaryRequest) {
  FakeContext ctx;
  auto o = run_script(ctx, {Send("GET /ws HTTP/1.1\r\nHost: t\r\nConnection: Upgrade\r\n"
                                 "Upgrade: websocket\r\n\r\n"),
                            Until("GET /ws ")});
  ASSERT_TRUE(o.script_done);
  EXPECT_EQ(o.received.find("HTTP/1.1 200 OK\r\n"), 0u);
}

TEST(Http1Connection, StalledRequestBodyHitsBodyTimeout) {
  FakeContext ctx;
  auto before = metric("strata_http1_timeouts_total", "kind=\"body\"");
  auto o = run_script(ctx, {Send("POST /b HTTP/1.1\r\nHost: t\r\nContent-Length: 10\r\n\r\nabc"),
                            Eof()});
  ASSERT_TRUE(o.script_done);
  EXPECT_TRUE(o.received.empty()) << o.received;  // handler saw an error; connection closed
  EXPECT_LT(o.elapsed, 1500ms);
  EXPECT_EQ(metric("strata_http1_timeouts_total", "kind=\"body\""), before + 1);
}

TEST(Http1Connection, ThrowingHandlerGets500) {
  FakeContext ctx;
  auto o = run_script(ctx, {Send("GET /throw HTTP/1.1\r\nHost: t\r\n\r\n" + kGet1), Until("GET /1 ")});
  ASSERT_TRUE(o.script_done);
  EXPECT_EQ(o.received.find("HTTP/1.1 500 "), 0u);
}
