// Upstreams::proxy with HTTP/2 clusters (h2c prior knowledge and h2 over
// TLS) against the real server driver in-process.
#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <memory>

#include <boost/asio.hpp>

#include "codec/http2/server_session.hpp"
#include "config/config.hpp"
#include "obs/metrics.hpp"
#include "unit/support/fake_exchange.hpp"
#include "unit/upstream/h2_test_origin.hpp"
#include "upstream/upstreams.hpp"

namespace strata::upstream {
namespace {

namespace asio = boost::asio;
using test::FakeExchange;

// A raw h2c origin on ServerSession: the first stream on its first
// connection gets RST_STREAM(REFUSED_STREAM); every other gets 200 "second".
class RefusingOrigin {
 public:
  using tcp = asio::ip::tcp;
  explicit RefusingOrigin(asio::io_context& io)
      : acc_(io, tcp::endpoint(asio::ip::address_v4::loopback(), 0)) {
    asio::co_spawn(io, accept_loop(), asio::detached);
  }
  std::uint16_t port() const { return acc_.local_endpoint().port(); }
  int accepted = 0;
  int refused = 0;

 private:
  struct Ev final : codec::http2::SessionEvents {
    std::vector<codec::http2::StreamId> reqs;
    void on_request(codec::http2::StreamId sid) override { reqs.push_back(sid); }
    void on_stream_wake(codec::http2::StreamId, void*) override {}
  };
  asio::awaitable<void> accept_loop() {
    for (;;) {
      auto [ec, s] = co_await acc_.async_accept(asio::as_tuple(asio::use_awaitable));
      if (ec) co_return;
      ++accepted;
      asio::co_spawn(acc_.get_executor(), serve(std::move(s), accepted == 1), asio::detached);
    }
  }
  asio::awaitable<void> serve(tcp::socket s, bool refuse_first) {
    constexpr auto tup = asio::as_tuple(asio::use_awaitable);
    Ev ev;
    config::Limits lim;
    codec::http2::ServerSession ss(lim, ev);
    ss.start();
    std::vector<char> buf(64 * 1024);
    std::string out;
    for (int i = 0; i < 1000; ++i) {
      out.clear();
      ss.send(out, 1 << 20);
      if (!out.empty()) {
        auto [wec, wn] = co_await asio::async_write(s, asio::buffer(out), tup);
        if (wec) co_return;
      }
      auto [ec, n] = co_await s.async_read_some(asio::buffer(buf), tup);
      if (ec) co_return;
      ss.receive(std::span<const char>(buf.data(), n));
      for (auto sid : ev.reqs) {
        if (refuse_first) {
          refuse_first = false;
          ++refused;
          ss.reset(sid, codec::http2::kRefusedStream);
          continue;
        }
        http::Response r;
        ss.submit_response(sid, r, false);
        ss.submit_data(sid, std::string_view("second"), true);
      }
      ev.reqs.clear();
    }
  }
  tcp::acceptor acc_;
};

class UpstreamH2Proxy : public ::testing::Test {
 protected:
  void TearDown() override {
    // Close pooled upstream connections and let both ends wind down.
    ups_->stop();
    io_.run_for(std::chrono::milliseconds(100));
    if (!tls_dir_.empty()) std::filesystem::remove_all(tls_dir_);
  }

  void start_origin(bool tls = false) {
    if (tls) {
      tls_dir_ = (std::filesystem::temp_directory_path() /
                  ("strata-h2up-" + std::to_string(::getpid())))
                     .string();
    }
    origin_ = std::make_unique<test::H2Origin>(io_, tls ? tls_dir_ : "");
    configure(tls ? "h2-tls" : "h2c-test", tls ? "h2" : "h2c", origin_->port());
  }

  void configure(const std::string& name, const std::string& protocol, std::uint16_t port,
                 std::uint32_t max_streams = 100,
                 std::chrono::milliseconds idle = std::chrono::milliseconds(60000)) {
    auto cfg = std::make_shared<config::Config>();
    config::Cluster c;
    c.name = name;
    c.protocol = protocol == "h2" ? config::UpstreamProtocol::h2 : config::UpstreamProtocol::h2c;
    c.endpoints.push_back({"127.0.0.1", port, 1, {}});
    c.connect_timeout = std::chrono::milliseconds(1000);
    c.h2_max_streams_per_connection = max_streams;
    c.idle_timeout = idle;
    cfg->clusters[name] = c;
    cfg->timeouts.route = std::chrono::milliseconds(8000);
    cluster_ = name;
    ups_->apply(cfg);
  }

  // Runs the proxied exchanges concurrently to completion (bounded in time).
  void run_all(std::vector<FakeExchange*> exs, config::ProxyAction action = {}) {
    if (action.cluster.empty()) action.cluster = cluster_;
    std::size_t done = 0;
    for (auto* ex : exs) {
      asio::co_spawn(io_, ups_->proxy(*ex, action, ""), [&](std::exception_ptr e) {
        ++done;
        if (e) std::rethrow_exception(e);
      });
    }
    const auto limit = std::chrono::steady_clock::now() + std::chrono::seconds(20);
    while (done < exs.size() && std::chrono::steady_clock::now() < limit)
      io_.run_one_for(std::chrono::milliseconds(50));
    ASSERT_EQ(done, exs.size()) << "proxy did not finish";
  }
  void run(FakeExchange& ex, config::ProxyAction action = {}) { run_all({&ex}, action); }

  FakeExchange get(std::string target) {
    FakeExchange ex(io_.get_executor());
    ex.req.target = std::move(target);
    return ex;
  }

  asio::io_context io_;
  std::string tls_dir_;
  std::unique_ptr<test::H2Origin> origin_;
  std::shared_ptr<Upstreams> ups_ = Upstreams::create(io_.get_executor(), 0);
  std::string cluster_;
};

TEST_F(UpstreamH2Proxy, Get1MiBByteExact) {
  start_origin();
  auto ex = get("/big");
  run(ex);
  ASSERT_TRUE(ex.head);
  EXPECT_EQ(ex.head->status, 200);
  EXPECT_TRUE(ex.ended);
  EXPECT_FALSE(ex.was_reset);
  EXPECT_EQ(ex.body.size(), 1u << 20);
  EXPECT_TRUE(ex.body == test::big_body());
  EXPECT_GT(ex.body_calls, 2);  // streamed in bounded pieces
  ASSERT_EQ(origin_->handler->seen.size(), 1u);
  const auto& r = origin_->handler->seen[0];
  EXPECT_EQ(r.method, "GET");
  EXPECT_EQ(r.authority, "example.test");
  EXPECT_EQ(r.headers.get("x-real-ip"), "192.0.2.10");
}

// The stream's last DATA ends the response with it (no empty end), through
// the synchronous send protocol and through the coroutine calls.
TEST_F(UpstreamH2Proxy, BodyEndsWithItsLastBytes) {
  start_origin();
  for (const bool sync : {false, true}) {
    auto ex = get("/big");
    ex.sync_sends = sync;
    run(ex);
    EXPECT_TRUE(ex.ended) << sync;
    EXPECT_TRUE(ex.body == test::big_body()) << sync;
    EXPECT_EQ(ex.empty_end_calls, 0) << sync;
    EXPECT_EQ(ex.now_calls, sync ? ex.body_calls + 1 : 0);
  }
}

TEST_F(UpstreamH2Proxy, Post1MiBEchoedByteExact) {
  start_origin();
  auto ex = get("/echo");
  ex.req.method = "POST";
  ex.set_body(test::big_body());
  run(ex);
  ASSERT_TRUE(ex.head);
  EXPECT_EQ(ex.head->status, 200);
  EXPECT_TRUE(ex.ended);
  EXPECT_EQ(ex.body.size(), 1u << 20);
  EXPECT_TRUE(ex.body == test::big_body());
}

TEST_F(UpstreamH2Proxy, HundredConcurrentRequestsShareOneConnection) {
  start_origin();
  origin_->handler->release_at = 100;  // all 100 must be in flight at once
  std::vector<std::unique_ptr<FakeExchange>> exs;
  std::vector<FakeExchange*> ptrs;
  for (int i = 0; i < 100; ++i) {
    exs.push_back(std::make_unique<FakeExchange>(io_.get_executor()));
    exs.back()->req.target = "/wait";
    ptrs.push_back(exs.back().get());
  }
  const auto t0 = std::chrono::steady_clock::now();
  run_all(ptrs);
  for (auto& ex : exs) {
    ASSERT_TRUE(ex->head);
    EXPECT_EQ(ex->head->status, 200);
    EXPECT_EQ(ex->body, "waited");
  }
  EXPECT_EQ(origin_->accepted, 1);
  EXPECT_EQ(origin_->handler->waiting, 100);
  EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::seconds(4));  // no 5 s fallback
}

TEST_F(UpstreamH2Proxy, StreamCapOpensSecondConnection) {
  start_origin();
  configure("h2c-cap", "h2c", origin_->port(), 2);
  origin_->handler->release_at = 4;
  std::vector<std::unique_ptr<FakeExchange>> exs;
  std::vector<FakeExchange*> ptrs;
  for (int i = 0; i < 4; ++i) {
    exs.push_back(std::make_unique<FakeExchange>(io_.get_executor()));
    exs.back()->req.target = "/wait";
    ptrs.push_back(exs.back().get());
  }
  run_all(ptrs);
  for (auto& ex : exs) ASSERT_TRUE(ex->head);
  EXPECT_EQ(origin_->accepted, 2);
}

TEST_F(UpstreamH2Proxy, SequentialRequestsReuseConnection) {
  start_origin();
  for (int i = 0; i < 5; ++i) {
    auto ex = get("/small");
    run(ex);
    ASSERT_TRUE(ex.head);
    EXPECT_EQ(ex.body, "ok");
  }
  EXPECT_EQ(origin_->accepted, 1);
}

TEST_F(UpstreamH2Proxy, IdleConnectionClosedAfterIdleTimeout) {
  start_origin();
  configure("h2c-idle", "h2c", origin_->port(), 100, std::chrono::milliseconds(100));
  auto a = get("/small");
  run(a);
  ASSERT_TRUE(a.head);
  io_.run_for(std::chrono::milliseconds(400));  // idle close (GOAWAY) happens meanwhile
  auto b = get("/small");
  run(b);
  ASSERT_TRUE(b.head);
  EXPECT_EQ(b.body, "ok");
  EXPECT_EQ(origin_->accepted, 2);
}

TEST_F(UpstreamH2Proxy, RefusedStreamRetriedOnceOnNewConnection) {
  RefusingOrigin o(io_);
  configure("h2c-refuse", "h2c", o.port());
  auto ex = get("/r");
  ex.req.method = "POST";
  ex.set_body("payload");  // replayed on the retry
  run(ex);
  ASSERT_TRUE(ex.head);
  EXPECT_EQ(ex.head->status, 200);
  EXPECT_EQ(ex.body, "second");
  EXPECT_EQ(o.refused, 1);
  EXPECT_EQ(o.accepted, 2);
}

TEST_F(UpstreamH2Proxy, ResponseTrailersReachDownstream) {
  start_origin();
  auto ex = get("/trailers");
  ex.req.method = "POST";
  ex.req.headers.add("te", "trailers");
  ex.req.headers.add("content-type", "application/grpc");
  ex.set_body(std::string("\0\0\0\0\0", 5));
  run(ex);
  ASSERT_TRUE(ex.head);
  EXPECT_EQ(ex.head->status, 200);
  EXPECT_EQ(ex.head->headers.get("content-type"), "application/grpc");
  EXPECT_EQ(ex.body, "hi");
  ASSERT_TRUE(ex.trailers);
  EXPECT_EQ(ex.trailers->get("grpc-status"), "0");
  EXPECT_EQ(ex.trailers->get("grpc-message"), "ok");
  ASSERT_EQ(origin_->handler->seen.size(), 1u);
  EXPECT_EQ(origin_->handler->seen[0].headers.get("te"), "trailers");
}

TEST_F(UpstreamH2Proxy, UpstreamResetResetsDownstream) {
  start_origin();
  auto& reset = obs::counter("strata_upstream_requests_total", "Upstream requests by outcome",
                             {{"cluster", "h2c-test"}, {"outcome", "upstream_reset"}});
  const auto before = reset.value();
  auto ex = get("/reset");
  run(ex);
  ASSERT_TRUE(ex.head);
  EXPECT_EQ(ex.head->status, 200);
  EXPECT_TRUE(ex.was_reset);
  EXPECT_EQ(reset.value(), before + 1);
}

TEST_F(UpstreamH2Proxy, ConnectRefusedIs502) {
  std::uint16_t dead;
  {
    asio::ip::tcp::acceptor a(io_, {asio::ip::address_v4::loopback(), 0});
    dead = a.local_endpoint().port();
  }
  configure("h2c-dead", "h2c", dead);
  auto& errors = obs::counter("strata_upstream_connect_errors_total",
                              "Failed upstream connection attempts", {{"cluster", "h2c-dead"}});
  const auto before = errors.value();
  auto ex = get("/");
  run(ex);
  ASSERT_TRUE(ex.head);
  EXPECT_EQ(ex.head->status, 502);
  EXPECT_EQ(errors.value(), before + 1);
}

TEST_F(UpstreamH2Proxy, SlowUpstreamIs504) {
  start_origin();
  origin_->handler->release_at = 2;  // never reached: the handler waits 5 s
  auto ex = get("/wait");
  config::ProxyAction a;
  a.timeout = std::chrono::milliseconds(150);
  const auto t0 = std::chrono::steady_clock::now();
  run(ex, a);
  ASSERT_TRUE(ex.head);
  EXPECT_EQ(ex.head->status, 504);
  EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::seconds(2));
}

TEST_F(UpstreamH2Proxy, TlsH2UpstreamWorks) {
  start_origin(true);
  auto ex = get("/big");
  run(ex);
  ASSERT_TRUE(ex.head);
  EXPECT_EQ(ex.head->status, 200);
  EXPECT_TRUE(ex.body == test::big_body());
  auto post = get("/echo");
  post.req.method = "POST";
  post.set_body(std::string(200000, 'q'));
  run(post);
  ASSERT_TRUE(post.head);
  EXPECT_EQ(post.body, std::string(200000, 'q'));
  EXPECT_EQ(origin_->accepted, 1);
}

}  // namespace
}  // namespace strata::upstream
