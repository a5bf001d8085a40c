// The route rate limit filter (security/rate_limit_filter.hpp) with a fake
// clock: keys, 429 and its headers, dry run, several limits, state shared
// by filter copies and kept across a "reload", fallback of global limits.
#include <gtest/gtest.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>

#include "config/redis.hpp"
#include "filter/chain.hpp"
#include "filter/filter_exchange.hpp"
#include "obs/metrics.hpp"
#include "security/limit_registry.hpp"
#include "security/rate_limit_filter.hpp"
#include "unit/support/fake_exchange.hpp"

using namespace strata;
using namespace std::chrono_literals;

namespace {

config::RateLimit limit(double rate, std::uint32_t burst, std::string name = {}) {
  config::RateLimit l;
  l.rate = rate;
  l.burst = burst;
  l.name = std::move(name);
  return l;
}

std::uint64_t count(const std::string& route, const std::string& lim, const char* result) {
  return obs::counter("strata_limit_requests_total", "Requests checked by rate limits",
                      {{"route", route}, {"limit", lim}, {"result", result}})
      .value();
}

class RateLimitTest : public ::testing::Test {
 protected:
  core::FakeClock clock;
  boost::asio::io_context io;

  // Sends one request from `ip` with extra headers; returns the status (200 = passed).
  int request(const filter::Chain& chain, std::string_view ip,
              std::vector<std::pair<std::string, std::string>> headers = {},
              test::FakeExchange** out = nullptr) {
    auto ex = std::make_unique<test::FakeExchange>(io);
    for (auto& [k, v] : headers) ex->req.headers.add(k, v);
    http::RequestContext ctx;
    ctx.client_ip.assign(ip);
    ex->ctx = &ctx;
    filter::FilterExchange fx(*ex, ctx, nullptr);
    fx.set_route_chain(&chain);
    auto reply = filter::run_request(filter::Phase::request_post_route, nullptr, &chain, fx, ctx);
    int status = 200;
    if (reply) {
      boost::asio::co_spawn(io, filter::send_local_reply(fx, reply), boost::asio::detached);
      io.restart();
      io.run();
      status = ex->status();
      last_key = std::string(ctx.get(http::Slot::rate_limit_key));
    }
    last = std::move(ex);
    if (out) *out = last.get();
    return status;
  }
  filter::Chain chain_of(std::vector<config::RateLimit> limits, const std::string& route,
                         const config::RedisConfig* redis = nullptr) {
    filter::Chain c;
    c.add(std::make_shared<security::RateLimitFilter>(limits, route, redis, clock));
    return c;
  }
  std::unique_ptr<test::FakeExchange> last;
  std::string last_key;
};

}  // namespace

TEST_F(RateLimitTest, PrefixSharesAndOtherPrefixDoesNot) {
  auto c = chain_of({limit(10, 3)}, "rl-prefix");
  EXPECT_EQ(request(c, "10.1.2.3"), 200);
  EXPECT_EQ(request(c, "10.1.2.77"), 200);
  EXPECT_EQ(request(c, "10.1.2.200"), 200);
  EXPECT_EQ(request(c, "10.1.2.4"), 429);
  EXPECT_EQ(last_key, "10.1.2.0/24");
  EXPECT_EQ(request(c, "10.1.3.1"), 200);  // another /24
  EXPECT_EQ(request(c, "2001:db8:1:2::1"), 200);
  EXPECT_EQ(request(c, "2001:db8:1:2:ffff::9"), 200);
  EXPECT_EQ(request(c, "2001:db8:1:2::5"), 200);
  EXPECT_EQ(request(c, "2001:db8:1:2::6"), 429);  // same /64
  EXPECT_EQ(last_key, "2001:db8:1:2::/64");
  clock.advance(100ms);  // 10/s: one more
  EXPECT_EQ(request(c, "10.1.2.9"), 200);
  EXPECT_EQ(request(c, "10.1.2.9"), 429);
  EXPECT_EQ(count("rl-prefix", "rl-prefix#0", "limited"), 3u);
  EXPECT_EQ(count("rl-prefix", "rl-prefix#0", "allowed"), 8u);
}

TEST_F(RateLimitTest, RefusalCarriesRetryAfterAndDraftHeaders) {
  auto c = chain_of({limit(1, 2, "api")}, "rl-headers");  // 1/s, burst 2
  EXPECT_EQ(request(c, "192.0.2.1"), 200);
  EXPECT_EQ(request(c, "192.0.2.1"), 200);
  clock.advance(300ms);
  test::FakeExchange* ex = nullptr;
  ASSERT_EQ(request(c, "192.0.2.1", {}, &ex), 429);
  EXPECT_EQ(ex->header("retry-after"), "1");  // 0.7 s, rounded up
  EXPECT_EQ(ex->header("ratelimit-policy"), "\"api\";q=2;w=2");
  EXPECT_EQ(ex->header("ratelimit"), "\"api\";r=0;t=1");
  EXPECT_EQ(ex->header("x-strata-reason"), "rate-limited");
  EXPECT_EQ(ex->body, "rate limited\n");
}

TEST_F(RateLimitTest, RetryAfterRoundsUpSeconds) {
  config::RateLimit l = limit(1, 1, "slow");
  l.per = 10s;  // one per 10 s
  auto c = chain_of({l}, "rl-round");
  EXPECT_EQ(request(c, "192.0.2.1"), 200);
  clock.advance(2500ms);
  test::FakeExchange* ex = nullptr;
  ASSERT_EQ(request(c, "192.0.2.1", {}, &ex), 429);
  EXPECT_EQ(ex->header("retry-after"), "8");  // 7.5 s
  EXPECT_EQ(ex->header("ratelimit-policy"), "\"slow\";q=1;w=10");
}

TEST_F(RateLimitTest, ConfiguredStatus) {
  config::RateLimit l = limit(1, 1);
  l.status = 503;
  auto c = chain_of({l}, "rl-status");
  EXPECT_EQ(request(c, "192.0.2.1"), 200);
  EXPECT_EQ(request(c, "192.0.2.1"), 503);
}

TEST_F(RateLimitTest, DryRunPassesEverythingButCounts) {
  config::RateLimit l = limit(1, 2, "dry");
  l.dry_run = true;
  auto c = chain_of({l}, "rl-dry");
  for (int i = 0; i < 10; ++i) EXPECT_EQ(request(c, "192.0.2.1"), 200);
  EXPECT_EQ(count("rl-dry", "dry", "dry_run_limited"), 8u);
  EXPECT_EQ(count("rl-dry", "dry", "allowed"), 2u);
  EXPECT_EQ(count("rl-dry", "dry", "limited"), 0u);
}

TEST_F(RateLimitTest, FirstRefusingLimitAnswersAndEarlierOnesAreRefunded) {
  config::RateLimit per_client = limit(100, 5, "client");
  config::RateLimit per_route = limit(1, 2, "route");
  per_route.key = {{"route", ""}};
  auto c = chain_of({per_client, per_route}, "rl-multi");
  EXPECT_EQ(request(c, "192.0.2.1"), 200);
  EXPECT_EQ(request(c, "198.51.100.1"), 200);
  test::FakeExchange* ex = nullptr;
  EXPECT_EQ(request(c, "192.0.2.1", {}, &ex), 429);  // the route limit (shared by both)
  EXPECT_EQ(ex->header("ratelimit-policy"), "\"route\";q=2;w=2");
  EXPECT_EQ(last_key, "rl-multi");
  // The client limit got its request back: 192.0.2.x spent 1 of 5.
  const auto& client = dynamic_cast<const security::RateLimitFilter&>(*c.in(filter::Phase::request_post_route)[0]);
  std::uint32_t left = 0;
  client.state(0).table.find("192.0.2.0/24", [&](security::LimitEntry& e) {
    left = std::uint32_t((client.state(0).p.tolerance - (e.tat - clock.now().time_since_epoch().count())) /
                         client.state(0).p.interval);
  });
  EXPECT_EQ(left, 4u);
}

TEST_F(RateLimitTest, HeaderAndCookieKeys) {
  config::RateLimit l = limit(1, 1, "tenant");
  l.key = {{"header", "x-tenant"}, {"cookie", "sid"}};
  auto c = chain_of({l}, "rl-hdr");
  EXPECT_EQ(request(c, "192.0.2.1", {{"x-tenant", "a"}, {"cookie", "x=1; sid=s1"}}), 200);
  EXPECT_EQ(request(c, "192.0.2.1", {{"x-tenant", "a"}, {"cookie", "sid=s2"}}), 200);
  EXPECT_EQ(request(c, "192.0.2.1", {{"x-tenant", "b"}, {"cookie", "sid=s1"}}), 200);
  EXPECT_EQ(request(c, "192.0.2.9", {{"x-tenant", "a"}, {"cookie", "y=2;sid=s1"}}), 429);
  EXPECT_EQ(last_key, "a|s1");
  EXPECT_EQ(request(c, "192.0.2.9"), 200);  // no header, no cookie: key "|"
  EXPECT_EQ(request(c, "192.0.2.8"), 429);
}

TEST_F(RateLimitTest, WorkersShareStateAndReloadKeepsUnchangedLimits) {
  auto w1 = chain_of({limit(1, 2, "x")}, "rl-reload");
  auto w2 = chain_of({limit(1, 2, "x")}, "rl-reload");  // another worker, same generation
  EXPECT_EQ(request(w1, "192.0.2.1"), 200);
  EXPECT_EQ(request(w2, "192.0.2.1"), 200);
  EXPECT_EQ(request(w1, "192.0.2.1"), 429);
  {
    auto next = chain_of({limit(1, 2, "x")}, "rl-reload");  // reload, unchanged
    EXPECT_EQ(request(next, "192.0.2.1"), 429);
  }
  auto changed = chain_of({limit(2, 2, "x")}, "rl-reload");  // reload, new rate: fresh
  EXPECT_EQ(request(changed, "192.0.2.1"), 200);
}

TEST_F(RateLimitTest, KeyTableEvictionIsCounted) {
  config::RateLimit l = limit(1, 1, "small");
  l.max_keys = 2;
  auto c = chain_of({l}, "rl-evict");
  auto& evicted = obs::counter("strata_limit_keys_evicted_total",
                               "Rate limit keys evicted (least recently used) to stay under max_keys",
                               {{"route", "rl-evict"}, {"limit", "small"}});
  auto& keys = obs::gauge("strata_limit_keys", "Keys tracked by a rate limit (process)",
                          {{"route", "rl-evict"}, {"limit", "small"}});
  EXPECT_EQ(request(c, "10.0.1.1"), 200);
  EXPECT_EQ(request(c, "10.0.2.1"), 200);
  EXPECT_EQ(request(c, "10.0.3.1"), 200);  // evicts 10.0.1.0/24
  EXPECT_EQ(evicted.value(), 1u);
  EXPECT_EQ(keys.value(), 2);
  EXPECT_EQ(request(c, "10.0.1.1"), 200);  // forgotten: a fresh burst
  EXPECT_EQ(request(c, "10.0.3.1"), 429);
}

TEST_F(RateLimitTest, GlobalLimitFallsBackToLocalWhenRedisIsUnreachable) {
  config::RedisConfig redis;
  redis.addresses = {"127.0.0.1:1"};  // nothing listens
  redis.connect_timeout = 100ms;
  config::RateLimit l = limit(1, 2, "g");
  l.global = true;
  auto c = chain_of({l}, "rl-global-down", &redis);
  auto& fallback = obs::counter("strata_limit_redis_fallback_total",
                                "Requests of global limits decided locally: Redis unreachable",
                                {{"route", "rl-global-down"}, {"limit", "g"}});
  EXPECT_EQ(request(c, "192.0.2.1"), 200);
  EXPECT_EQ(request(c, "192.0.2.1"), 200);
  EXPECT_EQ(request(c, "192.0.2.1"), 429);  // the local limit holds
  EXPECT_EQ(fallback.value(), 3u);
}
