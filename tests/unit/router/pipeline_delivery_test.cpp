// The pipeline's delivery hints (router/pipeline.cpp, filter/early_hints.cpp):
// the route's 103 Early Hints before the action (not to HTTP/1.0),
// remembered links, `relay: false` for an upstream's 103, the metric, and
// the route's default priority applied to the codec's exchange.
#include <gtest/gtest.h>

#include "config/loader.hpp"
#include "filter/early_hints.hpp"
#include "http/context.hpp"
#include "obs/metrics.hpp"
#include "router/pipeline.hpp"
#include "unit/support/fake_exchange.hpp"

using namespace strata;

namespace {

// Relays a 103 the way the upstream clients do, then answers 200 with a
// Link field holding one preload and one stylesheet link.
class HintingUpstreams : public upstream::Upstreams {
 public:
  void apply(std::shared_ptr<const config::Config>) override {}
  boost::asio::awaitable<void> proxy(http::Exchange& ex, const config::ProxyAction&,
                                     std::string_view) override {
    http::Response early;
    early.status = 103;
    early.headers.add("link", "</from-upstream.css>; rel=preload; as=style");
    co_await filter::relay_early_hints(ex, early);
    http::Response r;
    r.status = 200;
    r.headers.add("link", "</app.js>; rel=preload; as=script, </print.css>; rel=stylesheet");
    r.headers.add("content-length", "2");
    co_await ex.send_head(r, false);
    co_await ex.send_body(std::span<const char>("ok", 2), true);
  }
  void stop() override {}
};

class PriorityExchange : public test::FakeExchange {
 public:
  using FakeExchange::FakeExchange;
  void set_priority(std::uint8_t u, bool inc) override { priority = {u, inc}; }
  std::optional<std::pair<int, bool>> priority;
};

constexpr std::string_view kYaml = R"(
listeners:
  - name: dl
    address: 127.0.0.1:0
    routes: main
clusters:
  backend: {endpoints: ["127.0.0.1:1"]}
route_tables:
  main:
    - name: page
      match: {path: /page}
      respond: {status: 200, body: "hi\n"}
      early_hints: {links: ["</a.css>; rel=preload; as=style"]}
      priority: high
    - name: learn
      match: {prefix: /learn/}
      proxy: {cluster: backend}
      early_hints: {remember: true, relay: false}
      priority: {urgency: 6, incremental: true}
    - name: plain
      match: {prefix: /}
      proxy: {cluster: backend}
)";

struct Fixture {
  std::shared_ptr<const config::Config> cfg = config::load_string(kYaml, "t.yaml");
  std::shared_ptr<http::Handler> h =
      router::make_pipeline(cfg, cfg->listeners[0], std::make_shared<HintingUpstreams>(), "");
  boost::asio::io_context io;

  std::unique_ptr<PriorityExchange> run(std::string target,
                                        http::Protocol proto = http::Protocol::http11,
                                        std::string priority = {}) {
    auto ex = std::make_unique<PriorityExchange>(io);
    ex->req.target = std::move(target);
    ex->req.protocol = proto;
    if (!priority.empty()) ex->req.headers.add("priority", priority);
    test::run_handler(io, *h, *ex);
    return ex;
  }
};

obs::Counter& sent(std::string_view route, std::string_view source) {
  return obs::counter("strata_early_hints_sent_total", "",
                      {{"route", std::string(route)}, {"source", std::string(source)}});
}

std::vector<std::string> links_of(const http::Response& r) {
  std::vector<std::string> out;
  for (const auto& f : r.headers) out.emplace_back(f.value);
  return out;
}

}  // namespace

TEST(PipelineDelivery, ConfiguredLinksGoOutAs103BeforeTheAction) {
  Fixture f;
  auto& c = sent("page", "config");
  const auto before = c.value();
  auto ex = f.run("/page");
  ASSERT_EQ(ex->interims.size(), 1u);
  EXPECT_EQ(ex->interims[0].status, 103);
  EXPECT_EQ(links_of(ex->interims[0]), std::vector<std::string>{"</a.css>; rel=preload; as=style"});
  EXPECT_EQ(ex->status(), 200);
  EXPECT_EQ(c.value(), before + 1);
  auto h2 = f.run("/page", http::Protocol::h2);
  EXPECT_EQ(h2->interims.size(), 1u);
  EXPECT_EQ(c.value(), before + 2);
}

TEST(PipelineDelivery, NeverToHttp10) {
  Fixture f;
  auto& c = sent("page", "config");
  const auto before = c.value();
  auto ex = f.run("/page", http::Protocol::http10);
  EXPECT_TRUE(ex->interims.empty());
  EXPECT_EQ(ex->status(), 200);
  EXPECT_EQ(c.value(), before);
}

TEST(PipelineDelivery, UpstreamHintsRelayedByDefaultAndCounted) {
  Fixture f;
  auto& c = sent("plain", "upstream");
  const auto before = c.value();
  auto ex = f.run("/other");
  ASSERT_EQ(ex->interims.size(), 1u);
  EXPECT_EQ(links_of(ex->interims[0]),
            std::vector<std::string>{"</from-upstream.css>; rel=preload; as=style"});
  EXPECT_EQ(c.value(), before + 1);
  EXPECT_FALSE(ex->priority.has_value());  // no route default
}

TEST(PipelineDelivery, RememberedLinksAndRelayOff) {
  Fixture f;
  auto& c = sent("learn", "remember");
  const auto before = c.value();
  auto first = f.run("/learn/x?v=1");
  EXPECT_TRUE(first->interims.empty());  // relay: false drops the upstream's 103; nothing learned yet
  EXPECT_EQ(first->status(), 200);
  auto second = f.run("/learn/x?v=1");
  ASSERT_EQ(second->interims.size(), 1u);  // the preload learned from the first answer only
  EXPECT_EQ(links_of(second->interims[0]), std::vector<std::string>{"</app.js>; rel=preload; as=script"});
  EXPECT_EQ(c.value(), before + 1);
  auto other = f.run("/learn/y");  // another URL: nothing remembered
  EXPECT_TRUE(other->interims.empty());
}

TEST(PipelineDelivery, RouteDefaultPriorityOnlyWithoutTheRequestField) {
  Fixture f;
  auto page = f.run("/page", http::Protocol::h2);
  ASSERT_TRUE(page->priority.has_value());
  EXPECT_EQ(*page->priority, (std::pair<int, bool>{1, false}));
  auto learn = f.run("/learn/z", http::Protocol::h3);
  ASSERT_TRUE(learn->priority.has_value());
  EXPECT_EQ(*learn->priority, (std::pair<int, bool>{6, true}));
  auto asked = f.run("/page", http::Protocol::h2, "u=5");
  EXPECT_FALSE(asked->priority.has_value());  // the client's field wins
}
