// cache/capture_exchange and cache/serve with a fake client exchange, a
// real store and a fake wall clock: a response tees into the store while
// it streams, one over the limit is abandoned mid-way but still reaches
// the client whole, a 304 / a 503 for a stale object are answered from the
// store, the resilience tiers get the stale object (StaleAnswer) and their
// degraded answers are not stored.
#include <gtest/gtest.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>

#include "cache/capture_exchange.hpp"
#include "cache/key.hpp"
#include "cache/serve.hpp"
#include "unit/support/fake_exchange.hpp"

namespace strata::cache {
namespace {

namespace asio = boost::asio;

struct Upstream {  // what Upstreams::proxy would send
  int status = 200;
  std::vector<std::pair<std::string, std::string>> fields;
  std::vector<std::string> pieces;
};

asio::awaitable<void> answer(http::Exchange& ex, const Upstream& u) {
  http::Response r;
  r.status = u.status;
  for (const auto& [k, v] : u.fields) r.headers.add(k, v);
  if (u.pieces.empty()) {
    co_await ex.send_head(r, true);
    co_return;
  }
  co_await ex.send_head(r, false);
  for (std::size_t i = 0; i < u.pieces.size(); ++i)
    co_await ex.send_body(std::span<const char>(u.pieces[i].data(), u.pieces[i].size()),
                          i + 1 == u.pieces.size());
}

struct CacheCapture : ::testing::Test {
  asio::io_context io;
  core::FakeWallClock clock;
  config::RouteCache rc;
  std::shared_ptr<Store> store = Store::create(config::CacheStorage{}, clock);
  test::FakeExchange client{io};
  int decided = 0;

  CaptureParams params() {
    CaptureParams p;
    p.store = store;
    p.rc = &rc;
    p.clock = &clock;
    p.key = primary_key(client.req, "", rc.key);
    p.url = request_url(client.req);
    p.method = client.req.method;
    p.client = client.req.headers;
    p.request_time = clock.now();
    p.limit = 1000;
    p.on_decided = [this] { ++decided; };
    return p;
  }
  void run(CaptureParams p, const Upstream& u) {
    CaptureExchange cx(client, std::move(p));
    asio::co_spawn(io, answer(cx, u), asio::detached);
    io.run();
  }
  ObjectPtr stored() {
    return store->find(primary_key(client.req, "", rc.key), [](const Object&) { return true; });
  }
};

TEST_F(CacheCapture, StreamsAndStores) {
  Upstream u{200, {{"cache-control", "max-age=60"}, {"etag", "\"a\""}}, {"hel", "lo"}};
  run(params(), u);
  EXPECT_EQ(client.body, "hello");
  EXPECT_EQ(client.header("cache-status"), "strata; fwd=uri-miss; fwd-status=200; stored");
  EXPECT_EQ(decided, 1);
  auto o = stored();
  ASSERT_TRUE(o);
  EXPECT_EQ(*o->body, "hello");
  EXPECT_EQ(*o->header("etag"), "\"a\"");
  EXPECT_NE(o->header("date"), nullptr);  // added: the origin sent none
}

TEST_F(CacheCapture, OverTheLimitStreamsOnUncached) {
  Upstream u{200, {{"cache-control", "max-age=60"}},
             {std::string(600, 'a'), std::string(600, 'b'), std::string(600, 'c')}};
  run(params(), u);
  EXPECT_EQ(client.body.size(), 1800u);
  EXPECT_EQ(decided, 1);
  EXPECT_FALSE(stored());
}

TEST_F(CacheCapture, KnownTooLargeIsNeverCaptured) {
  Upstream u{200, {{"cache-control", "max-age=60"}, {"content-length", "5000"}},
             {std::string(5000, 'x')}};
  run(params(), u);
  EXPECT_EQ(client.header("cache-status"), "strata; fwd=uri-miss; fwd-status=200");
  EXPECT_FALSE(stored());
}

TEST_F(CacheCapture, UncacheableReleasesAtTheHead) {
  Upstream u{200, {{"cache-control", "no-store"}}, {"x"}};
  CaptureParams p = params();
  int at_head = -1;
  p.on_decided = [&] { at_head = client.head ? 1 : 0; };
  run(std::move(p), u);
  EXPECT_EQ(at_head, 0);  // before the head went to the client
  EXPECT_FALSE(stored());
}

ObjectPtr stale_object(const CacheCapture& f, std::string body) {
  auto o = std::make_shared<Object>();
  o->key = primary_key(f.client.req, "", f.rc.key);
  o->url = request_url(f.client.req);
  o->headers = {{"cache-control", "max-age=1"}, {"etag", "\"v1\""}, {"x-old", "1"}};
  o->body = std::make_shared<const std::string>(std::move(body));
  o->request_time = o->response_time = f.clock.now();
  return o;
}

TEST_F(CacheCapture, NotModifiedAnswersFromTheRefreshedObject) {
  auto old = stale_object(*this, "stored body");
  ASSERT_TRUE(store->insert(old));
  clock.advance(std::chrono::seconds(30));
  CaptureParams p = params();
  p.stale = old;
  p.fwd = "stale";
  run(std::move(p), Upstream{304, {{"cache-control", "max-age=600"}, {"x-new", "2"}}, {}});
  EXPECT_EQ(client.status(), 200);
  EXPECT_EQ(client.body, "stored body");
  EXPECT_EQ(client.header("x-new"), "2");
  EXPECT_EQ(client.header("x-old"), "1");
  EXPECT_EQ(client.header("cache-status"), "strata; fwd=stale; fwd-status=304");
  auto now = stored();
  ASSERT_TRUE(now);
  EXPECT_EQ(*now->header("cache-control"), "max-age=600");
  EXPECT_EQ(now->response_time, clock.now());
}

TEST_F(CacheCapture, AnUncacheableReplacementDropsTheStaleObject) {
  auto old = stale_object(*this, "old");
  ASSERT_TRUE(store->insert(old));
  CaptureParams p = params();
  p.stale = old;
  run(std::move(p), Upstream{200, {{"cache-control", "private"}}, {"new"}});
  EXPECT_EQ(client.body, "new");
  EXPECT_FALSE(stored());
}

TEST_F(CacheCapture, StaleIfErrorAnswersAFiveHundred) {
  auto old = stale_object(*this, "stale but fine");
  ASSERT_TRUE(store->insert(old));
  CaptureParams p = params();
  p.stale = old;
  p.serve_stale_on_error = true;
  p.stale_age = 40;
  run(std::move(p), Upstream{503, {{"content-length", "4"}}, {"down"}});
  EXPECT_EQ(client.status(), 200);
  EXPECT_EQ(client.body, "stale but fine");
  EXPECT_EQ(client.header("age"), "40");
  EXPECT_EQ(client.header("cache-status"), "strata; fwd=stale; fwd-status=503; detail=stale-if-error");
}

// The resilience tiers (upstream/stale_answer.hpp) ask for the stale
// object when every cluster failed, before last-known-good and static.
TEST_F(CacheCapture, AnswersStaleForTheResilienceTiers) {
  auto old = stale_object(*this, "stale for the tiers");
  ASSERT_TRUE(store->insert(old));
  CaptureParams p = params();
  p.stale = old;
  p.serve_stale_on_error = true;
  p.stale_age = 12;
  CaptureExchange cx(client, std::move(p));
  upstream::StaleAnswer& sa = cx;
  bool answered = false;
  asio::co_spawn(io, [&]() -> asio::awaitable<void> { answered = co_await sa.answer_stale(503); },
                 asio::detached);
  io.run();
  EXPECT_TRUE(answered);
  EXPECT_TRUE(cx.answered_from_cache());
  EXPECT_EQ(cx.upstream_status(), 503);
  EXPECT_EQ(decided, 1);
  EXPECT_EQ(client.status(), 200);
  EXPECT_EQ(client.body, "stale for the tiers");
  EXPECT_EQ(client.header("age"), "12");
  EXPECT_EQ(client.header("cache-status"), "strata; fwd=stale; fwd-status=503; detail=stale-if-error");
}

TEST_F(CacheCapture, NoStaleAnswerOutsideStaleIfError) {
  auto old = stale_object(*this, "too old");
  ASSERT_TRUE(store->insert(old));
  CaptureParams p = params();
  p.stale = old;  // serve_stale_on_error false
  CaptureExchange cx(client, std::move(p));
  bool answered = true;
  asio::co_spawn(io, [&]() -> asio::awaitable<void> { answered = co_await cx.answer_stale(503); },
                 asio::detached);
  io.run();
  EXPECT_FALSE(answered);
  EXPECT_FALSE(client.head);
  EXPECT_FALSE(cx.answered_from_cache());
}

TEST_F(CacheCapture, ADegradedAnswerIsNeitherStoredNorReplacesTheObject) {
  auto old = stale_object(*this, "kept");
  ASSERT_TRUE(store->insert(old));
  CaptureParams p = params();
  p.stale = old;
  const Upstream lkg{200, {{"cache-control", "max-age=600"}}, {"lkg copy"}};
  {
    CaptureExchange cx(client, std::move(p));
    cx.degraded_answer();  // a last-known-good copy follows
    asio::co_spawn(io, answer(cx, lkg), asio::detached);
    io.run();
    EXPECT_FALSE(cx.stored());
  }
  EXPECT_EQ(client.body, "lkg copy");
  EXPECT_EQ(client.header("cache-status"), "strata; fwd=uri-miss; fwd-status=200; detail=degraded");
  EXPECT_EQ(decided, 1);
  auto now = stored();
  ASSERT_TRUE(now);
  EXPECT_EQ(*now->body, "kept");
}

TEST_F(CacheCapture, ServeRangeIfRangeAndHead) {
  Object o;
  o.status = 200;
  o.headers = {{"etag", "\"e\""}, {"surrogate-key", "t1"}, {"cache-status", "up; hit"}};
  o.body = std::make_shared<const std::string>("0123456789");
  http::Headers h;
  h.add("range", "bytes=2-4");
  ServeOptions so;
  so.method = "GET";
  so.client = &h;
  so.age = 7;
  so.cache_status = "strata; hit; ttl=3";
  asio::co_spawn(io, [&]() -> asio::awaitable<void> { co_await serve_object(client, o, so); },
                 asio::detached);
  io.run();
  EXPECT_EQ(client.status(), 206);
  EXPECT_EQ(client.body, "234");
  EXPECT_EQ(client.header("content-range"), "bytes 2-4/10");
  EXPECT_EQ(client.header("cache-status"), "up; hit, strata; hit; ttl=3");
  EXPECT_EQ(client.header("age"), "7");
  EXPECT_EQ(client.header("surrogate-key"), "");

  test::FakeExchange c2{io};
  h.add("if-range", "\"other\"");
  asio::co_spawn(io, [&]() -> asio::awaitable<void> { co_await serve_object(c2, o, so); },
                 asio::detached);
  io.restart();
  io.run();
  EXPECT_EQ(c2.status(), 200);
  EXPECT_EQ(c2.body, "0123456789");

  test::FakeExchange c3{io};
  so.method = "HEAD";
  asio::co_spawn(io, [&]() -> asio::awaitable<void> { co_await serve_object(c3, o, so); },
                 asio::detached);
  io.restart();
  io.run();
  EXPECT_EQ(c3.header("content-length"), "10");
  EXPECT_TRUE(c3.head_end_stream);
  EXPECT_EQ(c3.body, "");
}

}  // namespace
}  // namespace strata::cache
