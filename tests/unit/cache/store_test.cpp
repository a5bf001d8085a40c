// cache::Store (cache/store.cpp): bounds, variants, erase, purges, replace,
// reconfigure, the disk tier refusing, process_store, threads.
#include "cache/store.hpp"

#include <gtest/gtest.h>

#include <thread>

#include "obs/metrics.hpp"
#include "store_test_util.hpp"

namespace strata::cache {
namespace {

using test::make_object;

config::CacheStorage storage(std::uint64_t memory, std::uint64_t max_object, std::string policy = "lru") {
  config::CacheStorage c;
  c.memory_bytes = memory;
  c.max_object_bytes = max_object;
  c.policy = std::move(policy);
  return c;
}

auto any = [](const Object&) { return true; };

class StoreTest : public ::testing::TestWithParam<std::string> {
 protected:
  core::FakeWallClock clock;
  std::shared_ptr<Store> make(std::uint64_t memory, std::uint64_t max_object) {
    return Store::create(storage(memory, max_object, GetParam()), clock);
  }
};

TEST_P(StoreTest, StoresAndFindsAnObject) {
  auto s = make(1 << 20, 64 << 10);
  auto o = make_object("/a", 100);
  EXPECT_EQ(s->find("/a", any), nullptr);
  EXPECT_TRUE(s->insert(o));
  EXPECT_EQ(s->find("/a", any), o);
  EXPECT_EQ(s->find("/a", [](const Object&) { return false; }), nullptr);
  auto st = s->stats();
  EXPECT_EQ(st.objects, 1u);
  EXPECT_EQ(st.bytes, o->charge());
  EXPECT_GT(o->charge(), 100u);
}

TEST_P(StoreTest, StaysWithinItsByteBound) {
  const std::uint64_t memory = 64 << 10;
  auto s = make(memory, 4 << 10);
  std::uint64_t inserted = 0;
  for (int i = 0; i < 200; ++i) {
    auto k = "/o" + std::to_string(i);
    s->find(k, any);
    inserted += s->insert(make_object(k, 1000)) ? 1 : 0;
    ASSERT_LE(s->stats().bytes, memory) << i;
  }
  auto st = s->stats();
  EXPECT_GT(st.objects, 20u);
  EXPECT_LT(st.objects, 200u);
  EXPECT_EQ(st.objects + st.evictions + st.rejected, 200u);
  EXPECT_GT(st.evictions + st.rejected, 0u);
}

TEST_P(StoreTest, RefusesObjectsOverMaxObjectBytes) {
  auto s = make(1 << 20, 4096);
  EXPECT_FALSE(s->insert(make_object("/big", 5000)));
  EXPECT_EQ(s->find("/big", any), nullptr);
  EXPECT_EQ(s->stats().rejected, 1u);
  EXPECT_EQ(s->stats().objects, 0u);
  EXPECT_TRUE(s->insert(make_object("/small", 1000)));
}

TEST_P(StoreTest, VariantsReplaceTheSameVaryValuesAndAreNewestFirst) {
  auto s = make(1 << 20, 64 << 10);
  auto gz1 = make_object("/v", 10, {{"accept-encoding", "gzip"}});
  auto br = make_object("/v", 20, {{"accept-encoding", "br"}});
  auto gz2 = make_object("/v", 30, {{"accept-encoding", "gzip"}});
  ASSERT_TRUE(s->insert(gz1));
  ASSERT_TRUE(s->insert(br));
  ASSERT_TRUE(s->insert(gz2));
  auto v = s->variants("/v");
  ASSERT_EQ(v.size(), 2u);
  EXPECT_EQ(v[0], gz2);
  EXPECT_EQ(v[1], br);
  auto is = [](std::string enc) {
    return [enc](const Object& o) { return !o.vary.empty() && o.vary[0].value == enc; };
  };
  EXPECT_EQ(s->find("/v", is("gzip")), gz2);
  EXPECT_EQ(s->find("/v", is("br")), br);
  EXPECT_EQ(s->find("/v", any), gz2);  // the newest matching
  EXPECT_EQ(s->stats().objects, 2u);
  EXPECT_EQ(s->stats().bytes, gz2->charge() + br->charge());
  // Vary: * is a variant of its own.
  auto star = make_object("/v", 5);
  std::const_pointer_cast<Object>(star)->vary_star = true;
  ASSERT_TRUE(s->insert(star));
  EXPECT_EQ(s->variants("/v").size(), 3u);
}

TEST_P(StoreTest, EraseRemovesEveryVariant) {
  auto s = make(1 << 20, 64 << 10);
  s->insert(make_object("/e", 10, {{"accept", "a"}}));
  s->insert(make_object("/e", 10, {{"accept", "b"}}));
  s->insert(make_object("/f", 10));
  EXPECT_EQ(s->erase("/e"), 2u);
  EXPECT_EQ(s->erase("/e"), 0u);
  EXPECT_EQ(s->find("/e", any), nullptr);
  EXPECT_TRUE(s->variants("/e").empty());
  EXPECT_NE(s->find("/f", any), nullptr);
  EXPECT_EQ(s->stats().objects, 1u);
}

TEST_P(StoreTest, ReplaceSwapsTheStoredObjectUntilItIsGone) {
  auto s = make(1 << 20, 64 << 10);
  auto a = make_object("/r", 10, {}, {"t1"});
  ASSERT_TRUE(s->insert(a));
  auto b = make_object("/r", 500, {}, {"t2"});
  EXPECT_TRUE(s->replace(a, b));
  EXPECT_EQ(s->find("/r", any), b);
  EXPECT_EQ(s->stats().bytes, b->charge());
  EXPECT_FALSE(s->replace(a, make_object("/r", 1)));  // `a` is no longer stored
  EXPECT_FALSE(s->replace(b, make_object("/other", 1)));  // another key
  // The tag index follows the replacement.
  EXPECT_EQ(s->purge_tag("t1", PurgeMode::hard), 0u);
  EXPECT_EQ(s->purge_tag("t2", PurgeMode::hard), 1u);
  s->erase("/r");
  EXPECT_FALSE(s->replace(b, make_object("/r", 1)));
}

TEST_P(StoreTest, PurgeByTagHardAndSoft) {
  auto s = make(1 << 20, 64 << 10);
  s->insert(make_object("/p1", 10, {}, {"product", "p1"}));
  s->insert(make_object("/p2", 10, {}, {"product", "p2"}));
  s->insert(make_object("/home", 10, {}, {"home"}));
  auto tags = s->tags(10);
  ASSERT_FALSE(tags.empty());
  EXPECT_EQ(tags[0], (std::pair<std::string, std::uint64_t>{"product", 2}));
  EXPECT_EQ(s->tags(1).size(), 1u);

  EXPECT_EQ(s->purge_tag("product", PurgeMode::soft), 2u);
  auto p1 = s->find("/p1", any);
  ASSERT_NE(p1, nullptr);  // soft: still stored, invalidated
  EXPECT_TRUE(p1->invalidated);
  EXPECT_FALSE(s->find("/home", any)->invalidated);
  EXPECT_EQ(s->stats().objects, 3u);

  EXPECT_EQ(s->purge_tag("p2", PurgeMode::hard), 1u);
  EXPECT_EQ(s->find("/p2", any), nullptr);
  EXPECT_EQ(s->purge_tag("nope", PurgeMode::hard), 0u);
  EXPECT_EQ(s->stats().objects, 2u);
  EXPECT_EQ(s->stats().purged, 3u);
}

TEST_P(StoreTest, PurgeByUrlAndPrefix) {
  auto s = make(1 << 20, 64 << 10);
  s->insert(make_object("k1", 10, {}, {}, "https://a.example/img/1.png"));
  s->insert(make_object("k2", 10, {}, {}, "https://a.example/img/2.png"));
  s->insert(make_object("k3", 10, {}, {}, "https://b.example/img/3.png"));
  s->insert(make_object("k4", 10, {}, {}, "https://a.example/css/x.css"));
  EXPECT_EQ(s->purge_url("https://a.example/img/1.png", PurgeMode::hard), 1u);
  EXPECT_EQ(s->find("k1", any), nullptr);
  EXPECT_EQ(s->purge_url("https://a.example/img/", PurgeMode::hard), 0u);  // exact only
  // An absolute prefix: one host.
  EXPECT_EQ(s->purge_prefix("https://a.example/img/", PurgeMode::soft), 1u);
  EXPECT_TRUE(s->find("k2", any)->invalidated);
  EXPECT_FALSE(s->find("k3", any)->invalidated);
  // A path prefix: any host.
  EXPECT_EQ(s->purge_prefix("/img/", PurgeMode::hard), 2u);
  EXPECT_EQ(s->find("k3", any), nullptr);
  EXPECT_NE(s->find("k4", any), nullptr);
  EXPECT_EQ(s->purge_all(PurgeMode::soft), 1u);
  EXPECT_TRUE(s->find("k4", any)->invalidated);
  EXPECT_EQ(s->purge_all(PurgeMode::hard), 1u);
  EXPECT_EQ(s->stats().objects, 0u);
  EXPECT_EQ(s->stats().bytes, 0u);
}

TEST_P(StoreTest, ReconfigureShrinksAndSwitchesPolicy) {
  auto s = make(256 << 10, 4 << 10);
  for (int i = 0; i < 100; ++i) s->insert(make_object("/s" + std::to_string(i), 1000));
  const auto before = s->stats();
  ASSERT_GT(before.bytes, 64u << 10);
  auto smaller = storage(64 << 10, 4 << 10, GetParam() == "lru" ? "tinylfu" : "lru");
  s->reconfigure(smaller);
  auto st = s->stats();
  EXPECT_LE(st.bytes, 64u << 10);
  EXPECT_GT(st.objects, 10u);
  EXPECT_GT(st.evictions, before.evictions);
  // Still works after the switch.
  auto o = make_object("/after", 100);
  s->find("/after", any);
  s->insert(o);
  s->find("/after", any);
  EXPECT_EQ(s->find("/after", any), o);
  // A smaller max_object_bytes applies to new objects.
  s->reconfigure(storage(64 << 10, 1 << 10, GetParam()));
  EXPECT_FALSE(s->insert(make_object("/big", 2000)));
}

TEST_P(StoreTest, AnUnusableDiskTierLeavesAMemoryStore) {
  auto cfg = storage(1 << 20, 64 << 10, GetParam());
  cfg.disk = config::CacheDisk{"/proc/strata-cannot-create-this", 1 << 20, 1 << 16};
  auto s = Store::create(cfg, clock);
  auto o = make_object("/d", 100);
  EXPECT_TRUE(s->insert(o));
  EXPECT_EQ(s->find("/d", any), o);
  EXPECT_EQ(s->stats().disk_objects, 0u);
  EXPECT_EQ(s->purge_all(PurgeMode::hard), 1u);
}

TEST_P(StoreTest, TwoThreadsInsertFindAndPurge) {
  auto s = make(256 << 10, 8 << 10);
  auto work = [&](int t) {
    for (int i = 0; i < 3000; ++i) {
      auto k = "/t" + std::to_string((i * 7 + t) % 300);
      if (!s->find(k, any)) s->insert(make_object(k, 500 + i % 700, {}, {"t" + std::to_string(i % 5)}));
      if (i % 97 == 0) s->purge_tag("t" + std::to_string(i % 5), t ? PurgeMode::soft : PurgeMode::hard);
      if (i % 101 == 0) s->erase(k);
      if (i % 211 == 0) s->tags(5);
    }
  };
  std::thread a(work, 0), b(work, 1);
  a.join();
  b.join();
  auto st = s->stats();
  EXPECT_LE(st.bytes, 256u << 10);
  // The counters agree with what is stored.
  std::uint64_t objects = 0;
  for (int i = 0; i < 300; ++i) objects += s->variants("/t" + std::to_string(i)).size();
  EXPECT_EQ(objects, st.objects);
}

INSTANTIATE_TEST_SUITE_P(Policies, StoreTest, ::testing::Values("lru", "tinylfu"));

TEST(ProcessStore, SetAndPublishMetrics) {
  core::FakeWallClock clock;
  auto s = Store::create(storage(1 << 20, 64 << 10), clock);
  set_process_store(s);
  EXPECT_EQ(process_store(), s);
  auto& objects = obs::gauge("strata_cache_objects", "");
  auto& bytes = obs::gauge("strata_cache_bytes", "");
  auto& rejected = obs::counter("strata_cache_rejected_total", "");
  const auto rejected0 = rejected.value();
  auto o = make_object("/m", 100);
  s->insert(o);
  EXPECT_EQ(objects.value(), 1);
  EXPECT_EQ(bytes.value(), std::int64_t(o->charge()));
  s->insert(make_object("/huge", 100 << 10));
  EXPECT_EQ(rejected.value(), rejected0 + 1);
  auto text = obs::Registry::global().render();
  EXPECT_NE(text.find("strata_cache_objects 1"), std::string::npos);
  EXPECT_NE(text.find("strata_cache_evictions_total"), std::string::npos);
  EXPECT_NE(text.find("strata_cache_disk_bytes 0"), std::string::npos);
  set_process_store(nullptr);
  EXPECT_EQ(process_store(), nullptr);
  EXPECT_EQ(objects.value(), 0);
  // Stores that are not the process store do not publish.
  s->insert(make_object("/n", 100));
  EXPECT_EQ(objects.value(), 0);
}

}  // namespace
}  // namespace strata::cache
