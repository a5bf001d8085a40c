// The phased filter chain: phase lists, order (request: listener then route;
// response and log: route then listener), short-circuit on a local reply,
// and the FilterExchange running response head, local reply and body
// transform phases on a fake exchange.
#include <gtest/gtest.h>

#include <cctype>

#include <boost/asio/io_context.hpp>

#include "filter/chain.hpp"
#include "filter/filter_exchange.hpp"
#include "filter/local_reply.hpp"
#include "unit/support/fake_exchange.hpp"

using namespace strata;
using filter::Phase;

namespace {

// Records each hook it sees into a shared trace as "<tag>:<hook>".
class Probe final : public filter::Filter {
 public:
  Probe(std::string tag, filter::PhaseMask phases, std::vector<std::string>& trace,
        int reply_status = 0)
      : tag_(std::move(tag)), phases_(phases), trace_(trace), reply_(reply_status) {}
  std::string_view name() const override { return tag_; }
  filter::PhaseMask phases() const override { return phases_; }
  filter::LocalReply on_request(Phase p, http::Exchange&, http::RequestContext&) const override {
    trace_.push_back(tag_ + (p == Phase::request_pre_route ? ":pre" : ":post"));
    if (reply_) return filter::local_reply(reply_, "probe", "stopped\n");
    return {};
  }
  void on_response_head(const http::Request&, http::RequestContext&,
                        http::Response& r) const override {
    trace_.push_back(tag_ + ":head");
    r.headers.add("x-seen", tag_);
  }
  void on_log(http::Exchange&, const http::RequestContext&) const override {
    trace_.push_back(tag_ + ":log");
  }
  void on_local_reply(const http::RequestContext& ctx, http::Response& r) const override {
    trace_.push_back(tag_ + ":local");
    r.headers.set("x-local", ctx.local_reason.view());
  }

 private:
  std::string tag_;
  filter::PhaseMask phases_;
  std::vector<std::string>& trace_;
  int reply_;
};

// Upper-cases the body; holds the last byte back until the end to show
// that a transform may buffer.
class Upper final : public filter::BodyTransform {
 public:
  std::span<const char> transform(std::span<const char> in, bool end, std::string& out) override {
    out = held_;
    held_.clear();
    for (char c : in) out += char(std::toupper(static_cast<unsigned char>(c)));
    if (!end && !out.empty()) {
      held_ = out.back();
      out.pop_back();
    }
    return {out.data(), out.size()};
  }

 private:
  std::string held_;
};

class UpperFilter final : public filter::Filter {
 public:
  std::string_view name() const override { return "upper"; }
  filter::PhaseMask phases() const override { return filter::bit(Phase::response_body); }
  std::unique_ptr<filter::BodyTransform> on_response_body(const http::Request&,
                                                          http::RequestContext&,
                                                          http::Response& head) const override {
    head.headers.remove("content-length");
    return std::make_unique<Upper>();
  }
};

constexpr filter::PhaseMask kAll =
    filter::bit(Phase::request_pre_route) | filter::bit(Phase::request_post_route) |
    filter::bit(Phase::response_head) | filter::bit(Phase::log) | filter::bit(Phase::local_reply);

template <class F>
void run(boost::asio::io_context& io, F f) {
  bool done = false;
  boost::asio::co_spawn(io, f(), [&](std::exception_ptr e) {
    done = true;
    if (e) std::rethrow_exception(e);
  });
  io.restart();
  io.run();
  ASSERT_TRUE(done);
}

}  // namespace

TEST(FilterChain, AddsFiltersToTheirPhasesOnly) {
  std::vector<std::string> trace;
  filter::Chain c;
  c.add(std::make_shared<Probe>("a", filter::bit(Phase::log), trace));
  c.add(std::make_shared<Probe>("b", filter::bit(Phase::log) | filter::bit(Phase::response_head),
                                trace));
  EXPECT_EQ(c.size(), 2u);
  EXPECT_EQ(c.in(Phase::log).size(), 2u);
  EXPECT_EQ(c.in(Phase::response_head).size(), 1u);
  EXPECT_FALSE(c.has(Phase::request_pre_route));
  EXPECT_EQ(c.in(Phase::log)[0]->name(), "a");
}

TEST(FilterChain, OnionOrderAndShortCircuit) {
  boost::asio::io_context io;
  std::vector<std::string> trace;
  filter::Chain listener, route;
  listener.add(std::make_shared<Probe>("L1", kAll, trace));
  listener.add(std::make_shared<Probe>("L2", kAll, trace));
  route.add(std::make_shared<Probe>("R1", kAll, trace));
  test::FakeExchange ex(io);
  http::RequestContext ctx;

  EXPECT_FALSE(filter::run_request(Phase::request_pre_route, &listener, nullptr, ex, ctx));
  EXPECT_FALSE(filter::run_request(Phase::request_post_route, &listener, &route, ex, ctx));
  http::Response r;
  filter::run_response_head(&listener, &route, ex.req, ctx, r);
  filter::run_log(&listener, &route, ex, ctx);
  EXPECT_EQ(trace, (std::vector<std::string>{"L1:pre", "L2:pre", "L1:post", "L2:post", "R1:post",
                                             "R1:head", "L1:head", "L2:head", "R1:log", "L1:log",
                                             "L2:log"}));

  // A filter that answers stops the phase: later filters do not run.
  trace.clear();
  filter::Chain stopper;
  stopper.add(std::make_shared<Probe>("S", kAll, trace, 403));
  stopper.add(std::make_shared<Probe>("after", kAll, trace));
  auto reply = filter::run_request(Phase::request_post_route, nullptr, &stopper, ex, ctx);
  EXPECT_EQ(reply.status, 403);
  EXPECT_EQ(reply.reason, "probe");
  EXPECT_EQ(trace, (std::vector<std::string>{"S:post"}));
}

TEST(FilterExchange, RecordsIntoTheContextAndRunsResponsePhases) {
  boost::asio::io_context io;
  std::vector<std::string> trace;
  filter::Chain listener, route;
  listener.add(std::make_shared<Probe>("L", kAll, trace));
  route.add(std::make_shared<Probe>("R", kAll, trace));
  test::FakeExchange inner(io);
  inner.set_body("0123456789");
  http::RequestContext ctx;
  filter::FilterExchange fx(inner, ctx, &listener);
  fx.set_route_chain(&route);
  EXPECT_EQ(fx.context(), &ctx);

  run(io, [&]() -> boost::asio::awaitable<void> {
    char buf[4];
    for (int i = 0; i < 10; ++i)
      if ((co_await fx.read_body(buf)).n == 0) break;
    http::Response r;
    r.status = 200;
    co_await fx.send_head(r, false);
    co_await fx.send_body(std::span<const char>("hello", 5), true);
  });
  EXPECT_EQ(ctx.status, 200);
  EXPECT_EQ(ctx.bytes_received, 10u);
  EXPECT_EQ(ctx.bytes_sent, 5u);
  EXPECT_NE(ctx.time.head_sent.time_since_epoch().count(), 0);
  // Not a local reply: no local_reply phase; response head route then listener.
  EXPECT_EQ(trace, (std::vector<std::string>{"R:head", "L:head"}));
  EXPECT_EQ(inner.head->headers.joined("x-seen"), "R, L");
  EXPECT_FALSE(inner.head->headers.has("x-local"));
}

TEST(FilterExchange, LocalReplyPhaseRunsBeforeResponseHead) {
  boost::asio::io_context io;
  std::vector<std::string> trace;
  filter::Chain listener;
  listener.add(std::make_shared<Probe>("L", kAll, trace));
  test::FakeExchange inner(io);
  http::RequestContext ctx;
  filter::FilterExchange fx(inner, ctx, &listener);
  run(io, [&]() -> boost::asio::awaitable<void> {
    co_await filter::send_local_reply(fx, filter::local_reply(404, "no-route", "no route\n"));
  });
  EXPECT_EQ(trace, (std::vector<std::string>{"L:local", "L:head"}));
  EXPECT_EQ(inner.header("x-local"), "no-route");
  EXPECT_EQ(inner.header("x-strata-reason"), "no-route");
  EXPECT_EQ(ctx.local_reason.view(), "no-route");
  EXPECT_EQ(ctx.status, 404);
  EXPECT_EQ(inner.body, "no route\n");
}

TEST(FilterExchange, BodyTransformStreamsAndFlushes) {
  boost::asio::io_context io;
  filter::Chain listener;
  listener.add(std::make_shared<UpperFilter>());
  test::FakeExchange inner(io);
  http::RequestContext ctx;
  filter::FilterExchange fx(inner, ctx, &listener);
  run(io, [&]() -> boost::asio::awaitable<void> {
    http::Response r;
    r.status = 200;
    r.headers.set("content-length", "9");
    co_await fx.send_head(r, false);
    co_await fx.send_body(std::span<const char>("abc", 3), false);
    co_await fx.send_body(std::span<const char>("def", 3), false);
    co_await fx.send_body(std::span<const char>("ghi", 3), true);
  });
  EXPECT_FALSE(inner.head->headers.has("content-length"));
  EXPECT_EQ(inner.body, "ABCDEFGHI");
  EXPECT_TRUE(inner.ended);
  EXPECT_EQ(ctx.bytes_sent, 9u);

  // Trailers flush what the transform still holds first.
  test::FakeExchange inner2(io);
  http::RequestContext ctx2;
  filter::FilterExchange fx2(inner2, ctx2, &listener);
  run(io, [&]() -> boost::asio::awaitable<void> {
    http::Response r;
    r.status = 200;
    co_await fx2.send_head(r, false);
    co_await fx2.send_body(std::span<const char>("xy", 2), false);
    http::Headers t;
    t.add("grpc-status", "0");
    co_await fx2.send_trailers(t);
  });
  EXPECT_EQ(inner2.body, "XY");
  ASSERT_TRUE(inner2.trailers);
}

TEST(FilterExchange, NoTransformOnAHeadOnlyResponse) {
  boost::asio::io_context io;
  filter::Chain listener;
  listener.add(std::make_shared<UpperFilter>());
  test::FakeExchange inner(io);
  http::RequestContext ctx;
  filter::FilterExchange fx(inner, ctx, &listener);
  run(io, [&]() -> boost::asio::awaitable<void> {
    http::Response r;
    r.status = 204;
    r.headers.set("content-length", "0");
    co_await fx.send_head(r, true);
  });
  EXPECT_TRUE(inner.head->headers.has("content-length"));  // the filter was not asked
}

namespace {

TEST(FilterChain, FirstInGivesTheOwningPointerOfAPhasesFirstFilter) {
  std::vector<std::string> trace;
  filter::Chain c;
  EXPECT_EQ(c.first_in(Phase::response_head), nullptr);
  auto a = std::make_shared<Probe>("a", filter::bit(Phase::log), trace);
  auto b = std::make_shared<Probe>("b", filter::bit(Phase::response_head), trace);
  auto d = std::make_shared<Probe>("d", filter::bit(Phase::response_head), trace);
  c.add(a);
  c.add(b);
  c.add(d);
  EXPECT_EQ(c.first_in(Phase::response_head), b);
  EXPECT_EQ(c.first_in(Phase::log), a);
  EXPECT_EQ(c.first_in(Phase::response_body), nullptr);
}

}  // namespace
