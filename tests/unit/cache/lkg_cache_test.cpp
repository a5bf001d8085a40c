// cache/lkg_cache: the resilience tiers' last-known-good copies in the edge
// cache's store (the assertions of the old per-worker LRU's tests, plus
// freshness + ttl, sharing, lookup and purges), with a fake wall clock.
#include "cache/lkg_cache.hpp"

#include <gtest/gtest.h>

#include <thread>

#include "obs/metrics.hpp"


namespace strata::cache {
namespace {

using namespace std::chrono_literals;
using upstream::resilience::LkgKey;
using upstream::resilience::LkgResponse;

LkgResponse resp(std::string body, std::vector<std::pair<std::string, std::string>> extra = {}) {
  LkgResponse r{200, {{"content-type", "text/plain"}}, std::move(body)};
  for (auto& f : extra) r.headers.push_back(std::move(f));
  return r;
}

config::LastKnownGood cfg(std::chrono::milliseconds ttl, std::uint32_t entries, std::uint64_t bytes) {
  config::LastKnownGood g;
  g.ttl = ttl;
  g.max_entries = entries;
  g.max_bytes = bytes;
  return g;
}

LkgKey key(std::string_view target, std::string_view route = "r") {
  return LkgKey{route, "http", "a.example", target};
}

struct LkgCacheTest : ::testing::Test {
  core::FakeWallClock clock;
  std::shared_ptr<Store> store = Store::create(config::CacheStorage{}, clock);
  LkgCache lkg{clock, [this] { return store; }};
};

TEST_F(LkgCacheTest, ServesUntilTtl) {
  const auto c = cfg(10s, 10, 1 << 20);
  ASSERT_TRUE(lkg.put(key("/x"), c, resp("hello")));
  clock.advance(9s);
  auto r = lkg.get(key("/x"), c);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->body, "hello");
  EXPECT_EQ(r->headers.at(0), (std::pair<std::string, std::string>{"content-type", "text/plain"}));
  clock.advance(1s);
  EXPECT_FALSE(lkg.get(key("/x"), c));
  EXPECT_EQ(lkg.size("r"), 0u);
  EXPECT_EQ(lkg.bytes("r"), 0u);
  EXPECT_EQ(store->stats().objects, 0u);  // dropped from the store too
}

TEST_F(LkgCacheTest, KeptForTtlBeyondFreshness) {
  const auto c = cfg(10s, 10, 1 << 20);
  ASSERT_TRUE(lkg.put(key("/f"), c, resp("fresh", {{"cache-control", "max-age=30"}})));
  // Age from the origin counts: 20 s old already, 10 s of freshness left.
  ASSERT_TRUE(lkg.put(key("/aged"), c, resp("aged", {{"cache-control", "max-age=30"}, {"age", "20"}})));
  clock.advance(19s);
  EXPECT_TRUE(lkg.get(key("/aged"), c));
  clock.advance(1s);
  EXPECT_FALSE(lkg.get(key("/aged"), c));
  clock.advance(19s);  // 39 s: 30 s fresh + 10 s ttl not over yet
  EXPECT_TRUE(lkg.get(key("/f"), c));
  clock.advance(1s);
  EXPECT_FALSE(lkg.get(key("/f"), c));
}

TEST_F(LkgCacheTest, ReplacesAndBoundsEntries) {
  const auto c = cfg(60s, 2, 1 << 20);
  lkg.put(key("a"), c, resp("1"));
  lkg.put(key("b"), c, resp("2"));
  EXPECT_TRUE(lkg.get(key("a"), c));  // a is now most recent
  lkg.put(key("c"), c, resp("3"));    // evicts b
  EXPECT_FALSE(lkg.get(key("b"), c));
  EXPECT_TRUE(lkg.get(key("a"), c));
  lkg.put(key("a"), c, resp("new"));
  EXPECT_EQ(lkg.get(key("a"), c)->body, "new");
  EXPECT_EQ(lkg.size("r"), 2u);
  EXPECT_EQ(store->stats().objects, 2u);
  // Another route has its own bound.
  lkg.put(key("a", "other"), c, resp("o"));
  EXPECT_EQ(lkg.get(key("a", "other"), c)->body, "o");
  EXPECT_EQ(lkg.get(key("a"), c)->body, "new");
}

TEST_F(LkgCacheTest, PerRouteMetricsFollowTheIndex) {
  const auto c = cfg(60s, 2, 1 << 20);
  const obs::Labels l{{"route", "metrics-route"}};
  auto& copies = obs::gauge("strata_last_known_good_copies", "", l);
  auto& bytes = obs::gauge("strata_last_known_good_bytes", "", l);
  auto& evicted = obs::counter("strata_last_known_good_evicted_total", "", l);
  const auto ev0 = evicted.value();
  lkg.put(key("a", "metrics-route"), c, resp("1"));
  lkg.put(key("b", "metrics-route"), c, resp("2"));
  EXPECT_EQ(copies.value(), 2);
  EXPECT_EQ(bytes.value(), static_cast<std::int64_t>(lkg.bytes("metrics-route")));
  EXPECT_GT(bytes.value(), 0);
  lkg.put(key("c", "metrics-route"), c, resp("3"));  // over max_entries: one out
  EXPECT_EQ(copies.value(), 2);
  EXPECT_EQ(evicted.value(), ev0 + 1);
  store->erase(LkgCache::store_key(key("c", "metrics-route")));  // purged meanwhile
  EXPECT_FALSE(lkg.get(key("c", "metrics-route"), c));
  EXPECT_EQ(copies.value(), 1);
  EXPECT_EQ(bytes.value(), static_cast<std::int64_t>(lkg.bytes("metrics-route")));
}

// The same content again within `refresh` (1 s) is not rewritten (the copy
// keeps its time); new content or a later refresh is.
TEST_F(LkgCacheTest, SameContentRewrittenAtMostOncePerRefresh) {
  const auto c = cfg(10s, 10, 1 << 20);
  ASSERT_TRUE(lkg.put(key("/s"), c, resp("same")));
  const auto first = store->by_url("http://a.example/s").at(0);
  clock.advance(500ms);
  ASSERT_TRUE(lkg.put(key("/s"), c, resp("same")));
  EXPECT_EQ(store->by_url("http://a.example/s").at(0), first);  // untouched
  clock.advance(9600ms);  // 10.1 s after the stored copy: expired
  EXPECT_FALSE(lkg.get(key("/s"), c));
  ASSERT_TRUE(lkg.put(key("/s"), c, resp("same")));
  clock.advance(600ms);
  ASSERT_TRUE(lkg.put(key("/s"), c, resp("same")));  // 0.6 s: skipped
  clock.advance(500ms);
  ASSERT_TRUE(lkg.put(key("/s"), c, resp("same")));  // 1.1 s: rewritten
  clock.advance(9500ms);  // 9.5 s after the rewrite
  EXPECT_EQ(lkg.get(key("/s"), c)->body, "same");
  ASSERT_TRUE(lkg.put(key("/s"), c, resp("changed")));  // new content: at once
  EXPECT_EQ(lkg.get(key("/s"), c)->body, "changed");
}

TEST_F(LkgCacheTest, BoundsBytesAndRejectsHugeItems) {
  const auto c = cfg(60s, 1000, 4096);
  EXPECT_FALSE(lkg.put(key("big"), c, resp(std::string(2000, 'x'))));  // > 4096 / 4
  for (int i = 0; i < 20; ++i)
    EXPECT_TRUE(lkg.put(key("k" + std::to_string(i)), c, resp(std::string(900, 'y'))));
  EXPECT_LE(lkg.bytes("r"), 4096u);
  EXPECT_TRUE(lkg.get(key("k19"), c));
  EXPECT_FALSE(lkg.get(key("k0"), c));
}

TEST_F(LkgCacheTest, VisibleByUrlAndPurgeable) {
  const auto c = cfg(60s, 100, 1 << 20);
  ASSERT_TRUE(lkg.put(LkgKey{"r", "", "A.Example", "/api/users/42?x=1"}, c, resp("u42")));
  ASSERT_TRUE(lkg.put(key("/api/users/43"), c, resp("u43")));
  ASSERT_TRUE(lkg.put(key("/static/app.js"), c, resp("js")));
  auto found = store->by_url("http://a.example/api/users/42?x=1");
  ASSERT_EQ(found.size(), 1u);
  EXPECT_EQ(*found[0]->body, "u42");
  EXPECT_EQ(found[0]->tags, std::vector<std::string>{"last-known-good"});

  EXPECT_EQ(store->purge_url("http://a.example/api/users/42?x=1", PurgeMode::hard), 1u);
  EXPECT_FALSE(lkg.get(key("/api/users/42?x=1"), c));
  EXPECT_EQ(store->purge_prefix("/api/", PurgeMode::hard), 1u);
  EXPECT_FALSE(lkg.get(key("/api/users/43"), c));
  EXPECT_EQ(lkg.size("r"), 1u);  // the index forgets what the store lost
  EXPECT_EQ(store->purge_tag("last-known-good", PurgeMode::hard), 1u);
  EXPECT_FALSE(lkg.get(key("/static/app.js"), c));
  EXPECT_EQ(lkg.size("r"), 0u);
}

TEST_F(LkgCacheTest, SharedByThreadsAndApartFromCachedObjects) {
  const auto c = cfg(60s, 1000, 1 << 20);
  std::thread t([&] { EXPECT_TRUE(lkg.put(key("/shared"), c, resp("from another worker"))); });
  t.join();
  EXPECT_EQ(lkg.get(key("/shared"), c)->body, "from another worker");
  // The edge cache's own key for the URL is not the copy's.
  EXPECT_EQ(store->variants("http://a.example/shared").size(), 0u);
  EXPECT_EQ(LkgCache::store_key(key("/shared")), "lkg\nr\nhttp://a.example/shared");
}

// W-TinyLFU values a copy by how often its URL was answered (each put is
// an access), so a popular copy wins admission over cold ones once it
// leaves the window.
TEST(LkgCacheAdmission, PopularCopiesWinOverColdOnes) {
  core::FakeWallClock clock;
  config::CacheStorage st;
  st.memory_bytes = 64 << 10;
  st.max_object_bytes = 16 << 10;  // one shard
  auto store = Store::create(st, clock);
  LkgCache lkg{clock, [&] { return store; }};
  const auto c = cfg(60s, 100000, 1ull << 30);
  const std::string body(300, 'c');
  for (int i = 0; i < 300; ++i) lkg.put(key("/cold/" + std::to_string(i)), c, resp(body));
  for (int i = 0; i < 10; ++i) lkg.put(key("/hot"), c, resp(body));
  for (int i = 300; i < 340; ++i) lkg.put(key("/cold/" + std::to_string(i)), c, resp(body));
  EXPECT_TRUE(lkg.get(key("/hot"), c));
  EXPECT_GT(store->stats().rejected, 0u);  // the cold ones lost their duels
}

TEST(LkgCacheNoStore, KeepsNothing) {
  core::FakeWallClock clock;
  LkgCache lkg{clock, [] { return std::shared_ptr<Store>(); }};
  config::LastKnownGood c;
  EXPECT_FALSE(lkg.put(key("/x"), c, resp("x")));
  EXPECT_FALSE(lkg.get(key("/x"), c));
}

}  // namespace
}  // namespace strata::cache
