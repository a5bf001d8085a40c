// Allocations per proxied keep-alive request in the steady state (issue 13
// item 2): a real strata Server (one worker, the router pipeline, the
// upstream pool) proxies 10,000 keep-alive requests from in-process clients
// (8 connections, one request at a time on each) to an in-process origin, and the heap allocations made on the worker
// thread are counted (unit/support/alloc_counter.hpp) and bounded per
// request. Paths:
//   h1 -> h1   HTTP/1.1 client, HTTP/1.1 upstream
//   h2 -> h1   h2c client (one stream at a time), HTTP/1.1 upstream
//   h1 -> h2   HTTP/1.1 client, h2c upstream
// Client and origin run on the test thread, which is not counted; the
// worker opts in from the handler factory, which runs on the worker thread.
// The count is taken after a warm-up (pools, caches, buffers grown), so it
// is the per-request cost only. Bounded: every wait has a deadline.
#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>
#include <string>
#include <vector>

#include <boost/asio.hpp>

#include "codec/http2/client_session.hpp"
#include "config/loader.hpp"
#include "router/pipeline.hpp"
#include "server/server.hpp"
#include "unit/support/alloc_counter.hpp"
#include "unit/upstream/h2_test_origin.hpp"

namespace strata {
namespace {

namespace asio = boost::asio;
using asio::ip::tcp;
using test::allocations_counted;

constexpr int kRequests = 10000;
constexpr int kWarmup = 400;
// Client connections, each one request at a time (keep-alive): several so
// the run is not a chain of 10,000 cross-thread round trips.
constexpr int kConnections = 8;
constexpr std::size_t kBody = 1024;
// Allocations per proxied request allowed on each path (the issue's target
// is <= 2 on h1 and h2). Every Asio coroutine frame and posted function
// comes from per-thread size classes (core/frame_pool), Asio's own cache
// keeps 8 operation blocks per purpose (BOOST_ASIO_RECYCLING_ALLOCATOR_
// CACHE_SIZE), and the upstream watchdog's wait comes from the frame pool:
// measured with this test's 8 concurrent connections, ASan build,
// 2026-12-05: 0.045 (h1 -> h1), 0.021 (h2 -> h1), 0.001 (h1 -> h2); the
// release build's one-connection figure (bench/alloc/measure) is 0 on all
// three. Before the frame pool: ASan 13.1-14.0, 18.4-20.3, 23.8-24.2.
constexpr double kBudgetH1 = 1.0;
constexpr double kBudgetH2 = 1.0;
constexpr double kBudgetH2Upstream = 1.0;

// An HTTP/1.1 origin that answers every request head with 200 and kBody
// bytes (content-length), keep-alive. Counts requests.
class H1Origin {
 public:
  explicit H1Origin(asio::io_context& io) : acc_(io, tcp::endpoint(asio::ip::address_v4::loopback(), 0)) {
    asio::co_spawn(io, accept_loop(), asio::detached);
  }
  ~H1Origin() {
    boost::system::error_code ec;
    acc_.close(ec);
  }
  std::uint16_t port() const { return acc_.local_endpoint().port(); }
  int requests = 0;

 private:
  asio::awaitable<void> accept_loop() {
    for (;;) {
      auto [ec, s] = co_await acc_.async_accept(asio::as_tuple(asio::use_awaitable));
      if (ec) co_return;
      asio::co_spawn(acc_.get_executor(), serve(std::move(s)), asio::detached);
    }
  }
  asio::awaitable<void> serve(tcp::socket s) {
    static const std::string response = "HTTP/1.1 200 OK\r\ncontent-type: text/plain\r\ncontent-length: " +
                                        std::to_string(kBody) + "\r\n\r\n" + std::string(kBody, 'x');
    std::string buf;
    char chunk[4096];
    for (;;) {
      auto [ec, n] = co_await s.async_read_some(asio::buffer(chunk), asio::as_tuple(asio::use_awaitable));
      if (ec) co_return;
      buf.append(chunk, n);
      std::size_t end;
      while ((end = buf.find("\r\n\r\n")) != std::string::npos) {
        buf.erase(0, end + 4);
        ++requests;
        auto [wec, wn] = co_await asio::async_write(s, asio::buffer(response), asio::as_tuple(asio::use_awaitable));
        if (wec) co_return;
      }
    }
  }
  tcp::acceptor acc_;
};

// Runs `n` GETs one after the other on one HTTP/1.1 keep-alive connection;
// returns how many got a 200 with a body of `body` bytes.
asio::awaitable<int> h1_client(tcp::socket& s, int n, std::size_t body) {
  static const std::string request = "GET /bytes HTTP/1.1\r\nhost: example.test\r\nuser-agent: t\r\n\r\n";
  std::string buf;
  char chunk[8192];
  int ok = 0;
  for (int i = 0; i < n; ++i) {
    auto [wec, wn] = co_await asio::async_write(s, asio::buffer(request), asio::as_tuple(asio::use_awaitable));
    if (wec) co_return ok;
    std::size_t head_end, need = std::string::npos;
    for (;;) {
      head_end = buf.find("\r\n\r\n");
      if (head_end != std::string::npos) {
        auto cl = buf.find("content-length: ");
        if (cl == std::string::npos || cl > head_end) co_return ok;
        need = head_end + 4 + std::stoul(buf.substr(cl + 16, 12));
        if (buf.size() >= need) break;
      }
      auto [ec, got] = co_await s.async_read_some(asio::buffer(chunk), asio::as_tuple(asio::use_awaitable));
      if (ec) co_return ok;
      buf.append(chunk, got);
    }
    if (buf.starts_with("HTTP/1.1 200") && need - head_end - 4 == body) ++ok;
    buf.erase(0, need);
  }
  co_return ok;
}

// The h2c client side: ClientSession over a TCP socket, one stream at a time.
class H2Client final : public codec::http2::ClientEvents {
 public:
  H2Client(tcp::socket& s, std::size_t body)
      : s_(s), body_(body), session_(codec::http2::ClientLimits{}, *this) {
    session_.start();
  }
  void on_stream_wake(codec::http2::ClientStreamId, void*) override {}
  void on_goaway(codec::http2::ClientStreamId, std::uint32_t) override {}
  void on_settings() override {}

  asio::awaitable<int> run(int n) {
    int ok = 0;
    http::Headers h;
    h.add("user-agent", "t");
    std::vector<char> body(64 * 1024);
    for (int i = 0; i < n; ++i) {
      const auto sid = session_.submit_request("GET", "http", "example.test", "/bytes", h, true, this);
      if (sid <= 0) co_return ok;
      std::size_t got = 0;
      for (;;) {
        if (!co_await flush()) co_return ok;
        const auto* st = session_.find(sid);
        if (!st) co_return ok;
        got += session_.read_body(sid, body);
        if (st->ended || st->closed) {
          if (st->head_done && st->response.status == 200 && got == body_) ++ok;
          break;
        }
        auto [ec, k] = co_await s_.async_read_some(asio::buffer(in_), asio::as_tuple(asio::use_awaitable));
        if (ec || !session_.receive(std::span<const char>(in_, k))) co_return ok;
      }
      session_.release(sid);
    }
    co_return ok;
  }

 private:
  asio::awaitable<bool> flush() {
    out_.clear();
    if (!session_.send(out_, 1 << 20)) co_return false;
    if (out_.empty()) co_return true;
    auto [ec, n] = co_await asio::async_write(s_, asio::buffer(out_), asio::as_tuple(asio::use_awaitable));
    co_return !ec;
  }
  tcp::socket& s_;
  std::size_t body_;
  codec::http2::ClientSession session_;
  std::string out_;
  char in_[16384];
};

enum class Client { h1, h2 };

class ProxyAllocations : public ::testing::Test {
 protected:
  // Starts strata proxying to 127.0.0.1:`origin_port` over `upstream`.
  void start(std::uint16_t origin_port, const char* upstream) {
    char yaml[1024];
    std::snprintf(yaml, sizeof yaml, R"(
workers: 1
listeners:
  - {name: main, address: "127.0.0.1:0", routes: main}
route_tables:
  main:
    - match: {prefix: "/"}
      proxy: {cluster: origin}
clusters:
  origin:
    endpoints: ["127.0.0.1:%u"]
    protocol: %s
)",
                  unsigned(origin_port), upstream);
    auto cfg = config::load_string(yaml, "alloc.yaml");
    srv_ = std::make_unique<server::Server>([](std::shared_ptr<const config::Config> c,
                                               const config::Listener& l,
                                               std::shared_ptr<upstream::Upstreams> ups) {
      test::count_allocations_on_this_thread(true);  // the worker thread
      return router::make_pipeline(std::move(c), l, std::move(ups));
    });
    srv_->start(cfg);
    port_ = srv_->bound().at(0).endpoint.port();
  }
  void TearDown() override {
    if (srv_) srv_->stop();
  }

  // Runs `n` requests spread over the client connections, each one at a
  // time; true when all succeeded.
  bool requests(Client kind, int n) {
    int finished = 0, ok = 0;
    const int per = n / kConnections;
    for (int i = 0; i < kConnections; ++i)
      asio::co_spawn(io_, client(kind, std::size_t(i), per, ok, finished), asio::detached);
    const auto limit = std::chrono::steady_clock::now() + std::chrono::seconds(120);
    while (finished < kConnections && std::chrono::steady_clock::now() < limit)
      io_.run_one_for(std::chrono::milliseconds(100));
    EXPECT_EQ(finished, kConnections) << "clients did not finish";
    EXPECT_EQ(ok, per * kConnections);
    return finished == kConnections && ok == per * kConnections;
  }

  // One client connection's share; adds its successes to `ok`.
  asio::awaitable<void> client(Client kind, std::size_t i, int n, int& ok, int& finished) {
    // Statements, not ?: (g++ 12 mishandles co_await inside a conditional).
    int got = 0;
    if (kind == Client::h1) got = co_await h1_client(*socks_[i], n, body_);
    else got = co_await h2_[i]->run(n);
    ok += got;
    ++finished;
  }

  // Allocations per request on the worker over kRequests after a warm-up.
  double measure(Client kind) {
    for (int i = 0; i < kConnections; ++i) {
      socks_.push_back(std::make_unique<tcp::socket>(io_));
      socks_.back()->connect(tcp::endpoint(asio::ip::address_v4::loopback(), port_));
      socks_.back()->set_option(tcp::no_delay(true));
      if (kind == Client::h2) h2_.push_back(std::make_unique<H2Client>(*socks_.back(), body_));
    }
    if (!requests(kind, kWarmup)) return 1e9;
    const auto before = allocations_counted();
    EXPECT_GT(before, 0u) << "the worker thread was not counted";
    if (!requests(kind, kRequests)) return 1e9;
    const double per = double(allocations_counted() - before) / kRequests;
    std::printf("allocations per proxied request: %.3f\n", per);
    RecordProperty("allocations_per_request", std::to_string(per));
    return per;
  }

  asio::io_context io_;
  std::unique_ptr<server::Server> srv_;
  std::uint16_t port_ = 0;
  std::size_t body_ = kBody;  // response body size the clients expect
  std::vector<std::unique_ptr<tcp::socket>> socks_;
  std::vector<std::unique_ptr<H2Client>> h2_;
};

TEST_F(ProxyAllocations, H1ToH1WithinBudget) {
  H1Origin origin(io_);
  start(origin.port(), "h1");
  EXPECT_LE(measure(Client::h1), kBudgetH1);
  EXPECT_EQ(origin.requests, kWarmup + kRequests);
}

TEST_F(ProxyAllocations, H2ToH1WithinBudget) {
  H1Origin origin(io_);
  start(origin.port(), "h1");
  EXPECT_LE(measure(Client::h2), kBudgetH2);
  EXPECT_EQ(origin.requests, kWarmup + kRequests);
}

TEST_F(ProxyAllocations, H1ToH2UpstreamWithinBudget) {
  test::H2Origin origin(io_);
  start(origin.port(), "h2c");
  body_ = 2;  // the h2 test origin answers "ok"
  EXPECT_LE(measure(Client::h1), kBudgetH2Upstream);
}

}  // namespace
}  // namespace strata
