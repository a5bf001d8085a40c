// The resilient proxy flow against an in-process origin: retries on another
// endpoint, breaker fail-fast, bulkhead overflow, degradation tiers.
#include <gtest/gtest.h>

#include <boost/asio.hpp>

#include "unit/support/fake_exchange.hpp"
#include "unit/upstream/test_origin.hpp"
#include "cache/lkg_cache.hpp"
#include "obs/metrics.hpp"
#include "upstream/grpc_timeout.hpp"
#include "upstream/resilience/lkg_store.hpp"
#include "upstream/stale_answer.hpp"
#include "upstream/upstreams.hpp"

namespace strata::upstream {
namespace {

namespace asio = boost::asio;
using namespace std::chrono_literals;
using test::FakeExchange;

class ResilientProxy : public ::testing::Test {
 protected:
  // The last-known-good tier keeps its copies in the edge cache's process
  // store (server/ installs both the same way).
  ResilientProxy() {
    cache::set_process_store(
        cache::Store::create(config::CacheStorage{}, core::SystemWallClock::instance()));
    resilience::set_lkg_store(std::make_shared<cache::LkgCache>(core::SystemWallClock::instance()));
  }
  ~ResilientProxy() override {
    resilience::set_lkg_store(nullptr);
    cache::set_process_store(nullptr);
  }
  std::uint16_t dead_port() {
    asio::ip::tcp::acceptor a(io_, {asio::ip::address_v4::loopback(), 0});
    return a.local_endpoint().port();
  }
  config::Cluster cluster(const std::string& name, std::vector<std::uint16_t> ports) {
    config::Cluster c;
    c.name = name;
    for (auto p : ports) c.endpoints.push_back({"127.0.0.1", p, 1, {}});
    c.connect_timeout = 1000ms;
    return c;
  }
  void apply(std::vector<config::Cluster> cs, config::ProxyAction route = {}) {
    auto cfg = std::make_shared<config::Config>();
    for (auto& c : cs) cfg->clusters[c.name] = c;
    cfg->timeouts.route = 5000ms;
    config::Route r;
    r.name = route.route.empty() ? "r" : route.route;
    route.route = r.name;
    r.action = route;
    cfg->route_tables["main"].push_back(r);
    action_ = route;
    ups_->apply(cfg);
  }
  void run(FakeExchange& ex) {
    bool done = false;
    asio::co_spawn(io_, ups_->proxy(ex, action_, ""), [&](std::exception_ptr e) {
      done = true;
      if (e) std::rethrow_exception(e);
    });
    const auto limit = std::chrono::steady_clock::now() + 10s;
    while (!done && std::chrono::steady_clock::now() < limit) io_.run_one_for(50ms);
    ASSERT_TRUE(done);
  }
  FakeExchange get(std::string target) {
    FakeExchange ex(io_.get_executor());
    ex.req.target = std::move(target);
    return ex;
  }
  std::string header(const FakeExchange& ex, std::string_view n) {
    auto v = ex.head ? ex.head->headers.get(n) : std::nullopt;
    return v ? std::string(*v) : std::string();
  }

  asio::io_context io_;
  test::TestOrigin origin_{io_};
  std::shared_ptr<Upstreams> ups_ = Upstreams::create(io_.get_executor(), 1);
  config::ProxyAction action_;
};

TEST_F(ResilientProxy, RetriesConnectFailureOnAnotherEndpoint) {
  auto c = cluster("retry-a", {dead_port(), origin_.port()});
  c.lb = config::LbPolicy::round_robin;
  config::ProxyAction a;
  a.cluster = c.name;
  a.retry = config::RetryPolicy{};
  a.retry->backoff_base = 0ms;
  a.retry->backoff_max = 0ms;
  apply({c}, a);
  for (int i = 0; i < 6; ++i) {
    auto ex = get("/x");
    run(ex);
    ASSERT_TRUE(ex.head);
    EXPECT_EQ(ex.head->status, 200);
    EXPECT_EQ(ex.body, "ok");
  }
}

TEST_F(ResilientProxy, RetryReplaysTheBodyAndSkips5xx) {
  auto c = cluster("retry-b", {origin_.port()});
  config::ProxyAction a;
  a.cluster = c.name;
  a.retry = config::RetryPolicy{};
  a.retry->on_5xx = true;
  a.retry->max_attempts = 3;
  a.retry->backoff_base = a.retry->backoff_max = 0ms;
  apply({c}, a);
  auto ex = get("/status/503");
  run(ex);
  ASSERT_TRUE(ex.head);
  EXPECT_EQ(ex.head->status, 503);  // every try failed: the last failure's status
  EXPECT_EQ(origin_.seen.size(), 3u);
  // A PUT body is replayed to each try.
  origin_.seen.clear();
  auto put = get("/echo");
  put.req.method = "PUT";
  put.set_body("hello body");
  run(put);
  EXPECT_EQ(put.body, "hello body");
  // POST is not retried unless allowed.
  origin_.seen.clear();
  auto post = get("/status/502");
  post.req.method = "POST";
  run(post);
  EXPECT_EQ(post.head->status, 502);
  EXPECT_EQ(origin_.seen.size(), 1u);
}

TEST_F(ResilientProxy, BreakerOpensAndFailsFast) {
  auto c = cluster("breaker", {origin_.port()});
  c.circuit_breaker = config::CircuitBreaker{};
  c.circuit_breaker->consecutive_failures = 3;
  c.circuit_breaker->open_duration = 60s;
  config::ProxyAction a;
  a.cluster = c.name;
  apply({c}, a);
  for (int i = 0; i < 3; ++i) {
    auto ex = get("/status/500");
    run(ex);
    EXPECT_EQ(ex.head->status, 500);
  }
  const auto before = origin_.seen.size();
  auto ex = get("/x");
  run(ex);
  ASSERT_TRUE(ex.head);
  EXPECT_EQ(ex.head->status, 503);
  EXPECT_EQ(header(ex, "x-strata-reason"), "circuit-open");
  EXPECT_EQ(header(ex, "retry-after"), "60");
  EXPECT_EQ(origin_.seen.size(), before);  // never reached the origin
}

TEST_F(ResilientProxy, DegradationTiersInOrder) {
  auto dead = cluster("tier-primary", {dead_port()});
  auto second = cluster("tier-secondary", {origin_.port()});
  config::ProxyAction a;
  a.cluster = dead.name;
  a.fallback = config::Fallback{};
  a.fallback->clusters = {second.name};
  a.fallback->last_known_good = config::LastKnownGood{};
  a.fallback->static_response = config::StaticFallback{503, "static page", "text/plain"};
  apply({dead, second}, a);
  auto ex = get("/x");
  run(ex);
  EXPECT_EQ(ex.head->status, 200);
  EXPECT_EQ(header(ex, "x-strata-tier"), "secondary");
  // Secondary gone too (reconfigure to a dead port): the copy stored above.
  auto second_dead = cluster("tier-secondary", {dead_port()});
  apply({dead, second_dead}, a);  // the LKG store survives the reload
  auto lkg = get("/x");
  run(lkg);
  EXPECT_EQ(lkg.head->status, 200);
  EXPECT_EQ(header(lkg, "x-strata-tier"), "last-known-good");
  EXPECT_EQ(lkg.body, "ok");
  // A path never seen: static.
  auto st = get("/never");
  run(st);
  EXPECT_EQ(st.head->status, 503);
  EXPECT_EQ(header(st, "x-strata-tier"), "static");
  EXPECT_EQ(st.body, "static page");
}

TEST_F(ResilientProxy, BulkheadOverflowIsImmediate503) {
  auto c = cluster("bulk", {origin_.port()});
  c.limits.max_requests = 1;
  c.limits.max_pending = 0;
  config::ProxyAction a;
  a.cluster = c.name;
  apply({c}, a);
  auto slow = get("/slow");
  auto fast = get("/x");
  bool slow_done = false;
  asio::co_spawn(io_, ups_->proxy(slow, action_, ""), [&](std::exception_ptr) { slow_done = true; });
  io_.run_for(100ms);  // the slow request holds the only slot
  run(fast);
  ASSERT_TRUE(fast.head);
  EXPECT_EQ(fast.head->status, 503);
  EXPECT_EQ(header(fast, "x-strata-reason"), "bulkhead-requests");
  const auto limit = std::chrono::steady_clock::now() + 10s;
  while (!slow_done && std::chrono::steady_clock::now() < limit) io_.run_one_for(50ms);
  EXPECT_EQ(slow.head->status, 200);
}

TEST_F(ResilientProxy, PendingQueueTimesOut) {
  auto c = cluster("bulk-pending", {origin_.port()});
  c.limits.max_requests = 1;
  c.limits.max_pending = 4;
  c.limits.pending_timeout = 50ms;
  config::ProxyAction a;
  a.cluster = c.name;
  apply({c}, a);
  auto slow = get("/slow");
  bool slow_done = false;
  asio::co_spawn(io_, ups_->proxy(slow, action_, ""), [&](std::exception_ptr) { slow_done = true; });
  io_.run_for(50ms);
  auto queued = get("/x");
  run(queued);
  EXPECT_EQ(queued.head->status, 503);
  EXPECT_EQ(header(queued, "x-strata-reason"), "bulkhead-pending");
  const auto limit = std::chrono::steady_clock::now() + 10s;
  while (!slow_done && std::chrono::steady_clock::now() < limit) io_.run_one_for(50ms);
}

// Safe defaults: no retry block, a POST, one of two endpoints refuses
// connections. Every request is answered by the live one; the dead one is
// tried twice (connect_failure.skip_after) and then skipped.
TEST_F(ResilientProxy, FailedConnectGoesElsewhereByDefaultAndTheEndpointIsSkipped) {
  auto c = cluster("connect-default", {dead_port(), origin_.port()});
  config::ProxyAction a;
  a.cluster = c.name;  // no retry block
  apply({c}, a);
  auto& connect_errors = obs::counter("strata_upstream_connect_errors_total",
                                      "Failed upstream connection attempts", {{"cluster", c.name}});
  auto& resends = obs::counter("strata_upstream_connect_failure_retries_total",
                               "Requests resent to another endpoint after a failed connect "
                               "(connect_failure.retry)",
                               {{"cluster", c.name}});
  auto& skips = obs::counter("strata_upstream_connect_failure_skips_total",
                             "Endpoints set aside after consecutive connect failures "
                             "(connect_failure.skip_after)",
                             {{"cluster", c.name}});
  const auto errors0 = connect_errors.value(), resends0 = resends.value(), skips0 = skips.value();
  for (int i = 0; i < 10; ++i) {
    auto ex = get("/echo");
    ex.req.method = "POST";
    ex.set_body("payload " + std::to_string(i));
    run(ex);
    ASSERT_TRUE(ex.head);
    EXPECT_EQ(ex.head->status, 200);
    EXPECT_EQ(ex.body, "payload " + std::to_string(i));
  }
  EXPECT_EQ(connect_errors.value() - errors0, 2u);
  EXPECT_EQ(resends.value() - resends0, 2u);
  EXPECT_EQ(skips.value() - skips0, 1u);
}

TEST_F(ResilientProxy, ConnectFailureDefaultsCanBeTurnedOff) {
  auto c = cluster("connect-off", {dead_port(), origin_.port()});
  c.connect_failure.retry = false;
  c.connect_failure.skip_after = 0;
  config::ProxyAction a;
  a.cluster = c.name;
  apply({c}, a);
  int bad = 0;
  for (int i = 0; i < 6; ++i) {
    auto ex = get("/x");
    run(ex);
    ASSERT_TRUE(ex.head);
    if (ex.head->status == 502) {
      ++bad;
      EXPECT_EQ(header(ex, "x-strata-reason"), "connect-error");
    }
  }
  EXPECT_EQ(bad, 3);  // round robin: every other request
}

// An explicit retry block keeps its meaning: max_attempts 1 is one try
// under the policy, a failed connect is still resent (not counted).
TEST_F(ResilientProxy, ExplicitRetryBlockStillResendsFailedConnects) {
  auto c = cluster("connect-explicit", {dead_port(), origin_.port()});
  config::ProxyAction a;
  a.cluster = c.name;
  a.retry = config::RetryPolicy{};
  a.retry->max_attempts = 1;
  a.retry->on_5xx = true;
  apply({c}, a);
  for (int i = 0; i < 4; ++i) {
    auto ex = get("/x");
    run(ex);
    ASSERT_TRUE(ex.head);
    EXPECT_EQ(ex.head->status, 200);
  }
  origin_.seen.clear();
  auto ex = get("/status/500");
  run(ex);
  EXPECT_EQ(ex.head->status, 500);
  EXPECT_EQ(origin_.seen.size(), 1u);  // max_attempts 1: no retry of the 500
}

TEST(GrpcTimeout, Parses) {
  EXPECT_EQ(parse_grpc_timeout("100m"), 100ms);
  EXPECT_EQ(parse_grpc_timeout("2S"), 2000ms);
  EXPECT_EQ(parse_grpc_timeout("1M"), 60000ms);
  EXPECT_EQ(parse_grpc_timeout("1500u"), 2ms);
  EXPECT_EQ(parse_grpc_timeout("1n"), 1ms);
  EXPECT_FALSE(parse_grpc_timeout("100"));
  EXPECT_FALSE(parse_grpc_timeout("m"));
  EXPECT_FALSE(parse_grpc_timeout("123456789S"));
  EXPECT_FALSE(parse_grpc_timeout("1x"));
}

// A cache in front (StaleAnswer): asked after every cluster failed, before
// last-known-good and static; its refusal lets them answer, marked degraded.
class StaleExchange final : public FakeExchange, public StaleAnswer {
 public:
  using FakeExchange::FakeExchange;
  asio::awaitable<bool> answer_stale(int status) override {
    asked_with = status;
    if (!has_stale) co_return false;
    http::Response r;
    r.status = 200;
    r.headers.add("cache-status", "strata; fwd=stale; fwd-status=503; detail=stale-if-error");
    co_await send_head(r, false);
    co_await send_body(std::span<const char>("stale", 5), true);
    co_return true;
  }
  void degraded_answer() override { degraded = !head; }  // before the head
  bool has_stale = false;
  int asked_with = 0;
  bool degraded = false;
};

TEST_F(ResilientProxy, ACacheInFrontAnswersBeforeLastKnownGoodAndStatic) {
  auto c = cluster("stale-first", {origin_.port()});
  c.circuit_breaker = config::CircuitBreaker{};
  c.circuit_breaker->consecutive_failures = 1;
  c.circuit_breaker->open_duration = 60s;
  config::ProxyAction a;
  a.cluster = c.name;
  a.route = "stale-first";
  a.fallback = config::Fallback{};
  a.fallback->last_known_good = config::LastKnownGood{};
  a.fallback->static_response = config::StaticFallback{503, "static page", "text/plain"};
  apply({c}, a);
  auto ok = get("/x");
  run(ok);  // stored as last-known-good
  EXPECT_EQ(ok.body, "ok");
  auto fail = get("/status/500");
  run(fail);  // opens the breaker; the static tier answers
  EXPECT_EQ(fail.body, "static page");
  auto& cache_tier = obs::counter("strata_degradation_tier_total", "Responses by degradation tier",
                                  {{"route", "stale-first"}, {"tier", "cache"}});
  const auto before = cache_tier.value();

  StaleExchange stale(io_.get_executor());
  stale.req.target = "/x";
  stale.has_stale = true;
  run(stale);
  EXPECT_EQ(stale.asked_with, 503);  // the breaker is open
  EXPECT_EQ(stale.body, "stale");
  EXPECT_EQ(header(stale, "x-strata-tier"), "");
  EXPECT_EQ(cache_tier.value(), before + 1);

  StaleExchange none(io_.get_executor());  // nothing stale: last-known-good, degraded
  none.req.target = "/x";
  run(none);
  EXPECT_EQ(none.asked_with, 503);
  EXPECT_TRUE(none.degraded);
  EXPECT_EQ(header(none, "x-strata-tier"), "last-known-good");
  EXPECT_EQ(none.body, "ok");

  StaleExchange never(io_.get_executor());  // nor a copy: static, degraded
  never.req.target = "/never";
  run(never);
  EXPECT_TRUE(never.degraded);
  EXPECT_EQ(never.body, "static page");
}

}  // namespace
}  // namespace strata::upstream
