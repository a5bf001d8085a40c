#include <gtest/gtest.h>

#include <chrono>

#include <boost/asio.hpp>

#include "filter/forwarding/traceparent.hpp"
#include "obs/metrics.hpp"
#include "unit/support/fake_exchange.hpp"
#include "unit/upstream/test_origin.hpp"
#include "upstream/upstreams.hpp"

namespace strata::upstream {
namespace {

namespace asio = boost::asio;
using test::FakeExchange;
using test::TestOrigin;

class UpstreamProxy : public ::testing::Test {
 protected:
  void SetUp() override { configure("h1-test", port_of_origin()); }

  std::uint16_t port_of_origin() { return origin_.port(); }

  void configure(const std::string& name, std::uint16_t port) {
    auto cfg = std::make_shared<config::Config>();
    config::Cluster c;
    c.name = name;
    c.endpoints.push_back({"127.0.0.1", port, 1, {}});
    c.connect_timeout = std::chrono::milliseconds(1000);
    cfg->clusters[name] = c;
    cfg->timeouts.route = std::chrono::milliseconds(5000);
    cluster_ = name;
    ups_->apply(cfg);
  }

  // Runs one proxied exchange to completion (bounded in time).
  void run(FakeExchange& ex, config::ProxyAction action = {}) {
    if (action.cluster.empty()) action.cluster = cluster_;
    bool done = false;
    asio::co_spawn(io_, ups_->proxy(ex, action, ""), [&](std::exception_ptr e) {
      done = true;
      if (e) std::rethrow_exception(e);
    });
    const auto limit = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (!done && std::chrono::steady_clock::now() < limit)
      io_.run_one_for(std::chrono::milliseconds(50));
    ASSERT_TRUE(done) << "proxy did not finish";
  }

  FakeExchange get(std::string target) {
    FakeExchange ex(io_.get_executor());
    ex.req.target = std::move(target);
    return ex;
  }

  asio::io_context io_;
  TestOrigin origin_{io_};
  std::shared_ptr<Upstreams> ups_ = Upstreams::create(io_.get_executor(), 0);
  std::string cluster_;
};

TEST_F(UpstreamProxy, Get1MiBByteExact) {
  auto ex = get("/big");
  run(ex);
  ASSERT_TRUE(ex.head);
  EXPECT_EQ(ex.head->status, 200);
  EXPECT_TRUE(ex.ended);
  EXPECT_EQ(ex.body.size(), 1u << 20);
  EXPECT_TRUE(ex.body == test::big_body());
  EXPECT_GT(ex.body_calls, 2);  // streamed in bounded pieces
}

// A Content-Length body's last bytes end the response: one send, not a
// second, empty one (on h2/h3 downstream: one DATA frame with END_STREAM).
TEST_F(UpstreamProxy, ContentLengthBodyEndsWithItsLastBytes) {
  auto ex = get("/");
  run(ex);
  EXPECT_EQ(ex.status(), 200);
  EXPECT_EQ(ex.body, "ok");
  EXPECT_TRUE(ex.ended);
  EXPECT_EQ(ex.body_calls, 1);
  EXPECT_EQ(ex.empty_end_calls, 0);
}

// Through an exchange that takes the synchronous send protocol: no
// coroutine call at all when nothing waits...
TEST_F(UpstreamProxy, SynchronousSendsCarryTheResponse) {
  auto ex = get("/big");
  ex.sync_sends = true;
  run(ex);
  EXPECT_EQ(ex.status(), 200);
  EXPECT_TRUE(ex.ended);
  EXPECT_TRUE(ex.body == test::big_body());
  EXPECT_EQ(ex.now_calls, ex.body_calls + 1);  // the head and every body piece
  EXPECT_EQ(ex.finish_calls, 0);
}

// ...and every send that has to wait is finished before the next one (the
// body pieces are views into the upstream buffer: byte-exact only so).
TEST_F(UpstreamProxy, SynchronousSendsThatWaitAreFinished) {
  auto ex = get("/big");
  ex.sync_sends = true;
  ex.now_waits = true;
  run(ex);
  EXPECT_TRUE(ex.ended);
  EXPECT_TRUE(ex.body == test::big_body());
  EXPECT_GT(ex.body_calls, 2);
  EXPECT_EQ(ex.finish_calls, ex.body_calls);
}

TEST_F(UpstreamProxy, GetChunked1MiBByteExact) {
  auto ex = get("/chunked");
  run(ex);
  ASSERT_TRUE(ex.head);
  EXPECT_TRUE(ex.ended);
  EXPECT_FALSE(ex.head->headers.has("transfer-encoding"));
  EXPECT_TRUE(ex.body == test::big_body());
}

TEST_F(UpstreamProxy, Post1MiBEchoedByteExact) {
  auto ex = get("/echo");
  ex.req.method = "POST";
  ex.set_body(test::big_body());
  run(ex);
  ASSERT_TRUE(ex.head);
  EXPECT_EQ(ex.head->status, 200);
  EXPECT_TRUE(ex.body == test::big_body());
  ASSERT_EQ(origin_.seen.size(), 1u);
  EXPECT_EQ(origin_.seen[0].body().size(), 1u << 20);
}

TEST_F(UpstreamProxy, PostStreamedChunkedEchoed) {
  auto ex = get("/echo");
  ex.req.method = "POST";
  ex.set_body(std::string(100000, 'x'));
  ex.req.content_length.reset();  // unknown length -> chunked upstream
  run(ex);
  ASSERT_TRUE(ex.head);
  EXPECT_EQ(ex.body, std::string(100000, 'x'));
  ASSERT_EQ(origin_.seen.size(), 1u);
  EXPECT_TRUE(origin_.seen[0].chunked());
}

TEST_F(UpstreamProxy, KeepAliveReusesOneConnection) {
  for (int i = 0; i < 10; ++i) {
    auto ex = get("/small");
    run(ex);
    ASSERT_TRUE(ex.head);
    EXPECT_EQ(ex.body, "ok");
  }
  EXPECT_EQ(origin_.accepted, 1);
  EXPECT_EQ(origin_.seen.size(), 10u);
}

// Response heads, parsers and trailers come from a per-thread cache
// (h1_forward's ResponseLease): nothing of one response shows in the next.
TEST_F(UpstreamProxy, LeasedResponseStateCarriesNothingOver) {
  for (int i = 0; i < 3; ++i) {
    auto a = get("/trailers");
    run(a);
    ASSERT_TRUE(a.head);
    EXPECT_EQ(a.header("x-first"), "1");
    EXPECT_EQ(a.body, "ok");
    ASSERT_TRUE(a.trailers);
    EXPECT_EQ(a.trailers->get("x-checksum"), "abc");
    auto b = get("/status/404");
    run(b);
    ASSERT_TRUE(b.head);
    EXPECT_EQ(b.status(), 404);
    EXPECT_FALSE(b.head->headers.has("x-first"));
    EXPECT_FALSE(b.head->headers.has("transfer-encoding"));
    EXPECT_EQ(b.body, "status 404");
    EXPECT_FALSE(b.trailers);
    auto c = get("/chunked");  // chunked without trailers
    run(c);
    EXPECT_EQ(c.body.size(), 1u << 20);
    EXPECT_FALSE(c.trailers);
  }
  EXPECT_EQ(origin_.accepted, 1);  // one keep-alive connection for all nine
}

TEST_F(UpstreamProxy, StalePooledConnectionRetriedOnFreshOne) {
  auto a = get("/close");
  run(a);
  EXPECT_EQ(a.body, "ok");
  auto b = get("/small");
  run(b);
  ASSERT_TRUE(b.head);
  EXPECT_EQ(b.head->status, 200);
  EXPECT_EQ(b.body, "ok");
  EXPECT_EQ(origin_.accepted, 2);
}

TEST_F(UpstreamProxy, ConnectRefusedIs502) {
  std::uint16_t dead;
  {
    asio::ip::tcp::acceptor a(io_, {asio::ip::address_v4::loopback(), 0});
    dead = a.local_endpoint().port();
  }
  configure("dead", dead);
  auto& errors = obs::counter("strata_upstream_connect_errors_total",
                              "Failed upstream connection attempts", {{"cluster", "dead"}});
  const auto before = errors.value();
  auto ex = get("/");
  run(ex);
  ASSERT_TRUE(ex.head);
  EXPECT_EQ(ex.head->status, 502);
  EXPECT_EQ(errors.value(), before + 1);
}

TEST_F(UpstreamProxy, SlowUpstreamIs504) {
  auto ex = get("/slow");
  config::ProxyAction a;
  a.timeout = std::chrono::milliseconds(100);
  const auto t0 = std::chrono::steady_clock::now();
  run(ex, a);
  ASSERT_TRUE(ex.head);
  EXPECT_EQ(ex.head->status, 504);
  EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::seconds(2));
}

TEST_F(UpstreamProxy, NoSuchClusterIs503) {
  auto ex = get("/");
  config::ProxyAction a;
  a.cluster = "nope";
  run(ex, a);
  ASSERT_TRUE(ex.head);
  EXPECT_EQ(ex.head->status, 503);
}

TEST_F(UpstreamProxy, ResetMidResponseResetsExchange) {
  auto ex = get("/truncate");
  run(ex);
  ASSERT_TRUE(ex.head);
  EXPECT_EQ(ex.head->status, 200);
  EXPECT_TRUE(ex.was_reset);
}

TEST_F(UpstreamProxy, ForwardingHeadersPresent) {
  auto ex = get("/api/x?y=1");
  ex.req.headers.add("connection", "x-drop");
  ex.req.headers.add("x-drop", "1");
  ex.req.headers.add("x-forwarded-for", "203.0.113.5");
  config::ProxyAction a;
  a.prefix_rewrite = "/v2";
  a.host_rewrite = "backend.internal";
  a.cluster = cluster_;
  bool done = false;
  asio::co_spawn(io_, ups_->proxy(ex, a, "/api"), [&](std::exception_ptr) { done = true; });
  for (int i = 0; i < 400 && !done; ++i) io_.run_one_for(std::chrono::milliseconds(50));
  ASSERT_TRUE(done);
  ASSERT_EQ(origin_.seen.size(), 1u);
  const auto& r = origin_.seen[0];
  EXPECT_EQ(r.target(), "/v2/x?y=1");
  EXPECT_EQ(r["host"], "backend.internal");
  EXPECT_EQ(r["x-forwarded-for"], "203.0.113.5, 192.0.2.10");
  EXPECT_EQ(r["x-forwarded-proto"], "http");
  EXPECT_EQ(r["x-real-ip"], "192.0.2.10");
  EXPECT_EQ(r["via"], "1.1 strata");
  EXPECT_TRUE(filter::forwarding::valid_traceparent(std::string(r["traceparent"])));
  EXPECT_EQ(r["x-request-id"].size(), 36u);
  EXPECT_EQ(r.count("x-drop"), 0u);
  EXPECT_EQ(r.count("connection"), 0u);
}

}  // namespace
}  // namespace strata::upstream
