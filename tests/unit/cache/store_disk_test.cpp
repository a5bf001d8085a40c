// cache::Store with a disk tier (cache/store_factory.hpp; an in-memory fake
// stands in for DiskTier): evictions go to disk, memory misses come back
// from disk and are promoted, large objects go to disk only, purges and
// erase reach the disk.
#include <gtest/gtest.h>

#include <map>
#include <mutex>
#include <thread>

#include "cache/store_factory.hpp"
#include "store_test_util.hpp"

namespace strata::cache {
namespace {

using test::make_object;

auto any = [](const Object&) { return true; };

struct FakeDisk final : DiskTier {
  struct Shared {
    std::mutex mu;
    std::map<std::string, std::vector<ObjectPtr>> by_key;  // newest first
    std::uint64_t max_object = 1 << 20;
    int puts = 0, gets = 0;
  };
  std::shared_ptr<Shared> s = std::make_shared<Shared>();

  bool put(const Object& obj) override {
    std::lock_guard lk(s->mu);
    if (obj.charge() > s->max_object) return false;
    ++s->puts;
    auto& v = s->by_key[obj.key];
    std::erase_if(v, [&](const ObjectPtr& o) { return o->vary == obj.vary && o->vary_star == obj.vary_star; });
    v.insert(v.begin(), std::make_shared<Object>(obj));
    return true;
  }
  std::vector<ObjectPtr> get(std::string_view key) override {
    std::lock_guard lk(s->mu);
    ++s->gets;
    auto it = s->by_key.find(std::string(key));
    return it == s->by_key.end() ? std::vector<ObjectPtr>{} : it->second;
  }
  std::size_t erase(std::string_view key) override {
    std::lock_guard lk(s->mu);
    auto it = s->by_key.find(std::string(key));
    if (it == s->by_key.end()) return 0;
    auto n = it->second.size();
    s->by_key.erase(it);
    return n;
  }
  template <class Pred>
  std::size_t purge(Pred pred, bool soft) {
    std::lock_guard lk(s->mu);
    std::size_t n = 0;
    for (auto it = s->by_key.begin(); it != s->by_key.end();) {
      auto& v = it->second;
      for (auto& o : v)
        if (pred(*o)) {
          ++n;
          if (soft) {
            auto c = std::make_shared<Object>(*o);
            c->invalidated = true;
            o = c;
          } else {
            o = nullptr;
          }
        }
      std::erase(v, nullptr);
      it = v.empty() ? s->by_key.erase(it) : std::next(it);
    }
    return n;
  }
  std::size_t purge_tag(std::string_view tag, bool soft) override {
    return purge([&](const Object& o) { return std::find(o.tags.begin(), o.tags.end(), tag) != o.tags.end(); },
                 soft);
  }
  std::size_t purge_url(std::string_view url, bool soft) override {
    return purge([&](const Object& o) { return o.url == url; }, soft);
  }
  std::size_t purge_prefix(std::string_view p, bool soft) override {
    return purge([&](const Object& o) { return o.url.starts_with(p); }, soft);
  }
  std::size_t purge_all(bool soft) override {
    return purge([](const Object&) { return true; }, soft);
  }
  std::uint64_t objects() const override {
    std::lock_guard lk(s->mu);
    std::uint64_t n = 0;
    for (auto& [k, v] : s->by_key) n += v.size();
    return n;
  }
  std::uint64_t bytes() const override {
    std::lock_guard lk(s->mu);
    std::uint64_t n = 0;
    for (auto& [k, v] : s->by_key)
      for (auto& o : v) n += o->charge();
    return n;
  }
};

class StoreDiskTest : public ::testing::TestWithParam<std::string> {
 protected:
  core::FakeWallClock clock;
  std::shared_ptr<FakeDisk::Shared> disk;
  std::shared_ptr<Store> make(std::uint64_t memory, std::uint64_t max_object) {
    config::CacheStorage cfg;
    cfg.memory_bytes = memory;
    cfg.max_object_bytes = max_object;
    cfg.policy = GetParam();
    cfg.disk = config::CacheDisk{"/fake", 1 << 30, 1 << 20};
    auto d = std::make_unique<FakeDisk>();
    disk = d->s;
    return create_store(cfg, clock, std::move(d));
  }
};

TEST_P(StoreDiskTest, EvictedObjectsGoToDiskAndComeBackOnAMiss) {
  auto s = make(32 << 10, 4 << 10);
  for (int i = 0; i < 100; ++i) {
    auto k = "/d" + std::to_string(i);
    s->find(k, any);
    s->insert(make_object(k, 1000, {}, {"all"}));
  }
  auto st = s->stats();
  EXPECT_LE(st.bytes, 32u << 10);
  // Nothing is lost: whatever left memory is on disk.
  EXPECT_EQ(st.objects + st.disk_objects, 100u);
  EXPECT_EQ(st.disk_objects, st.evictions + st.rejected);
  EXPECT_GT(st.disk_objects, 50u);
  // Find an object that is only on disk: it comes back, and moves to memory.
  std::string on_disk;
  {
    std::lock_guard lk(disk->mu);
    on_disk = disk->by_key.begin()->first;
  }
  const auto gets = disk->gets;
  auto o = s->find(on_disk, any);
  ASSERT_NE(o, nullptr);
  EXPECT_EQ(o->key, on_disk);
  EXPECT_EQ(disk->gets, gets + 1);
  EXPECT_EQ(s->stats().objects + s->stats().disk_objects, 100u);
  // A second lookup finds it in memory (no disk read) unless admission
  // sent it straight back to disk.
  bool in_memory = false;
  for (auto& v : s->variants(on_disk)) in_memory = in_memory || v->key == on_disk;
  EXPECT_TRUE(in_memory);
  // Purges and erase reach the disk tier.
  EXPECT_EQ(s->erase(on_disk), 1u);
  EXPECT_EQ(s->find(on_disk, any), nullptr);
  EXPECT_EQ(s->purge_tag("all", PurgeMode::soft), 99u);
  EXPECT_EQ(s->purge_prefix("https://example.com/d1", PurgeMode::hard), 11u - (on_disk.starts_with("/d1") ? 1 : 0));
  EXPECT_EQ(s->purge_all(PurgeMode::hard), 99u - (11u - (on_disk.starts_with("/d1") ? 1 : 0)));
  EXPECT_EQ(s->stats().objects + s->stats().disk_objects, 0u);
}

TEST_P(StoreDiskTest, ObjectsTooLargeForMemoryGoToDiskOnly) {
  auto s = make(64 << 10, 4 << 10);
  auto big = make_object("/big", 100 << 10);
  EXPECT_TRUE(s->insert(big));  // the disk's limit is 1 MiB
  EXPECT_EQ(s->stats().objects, 0u);
  EXPECT_EQ(s->stats().disk_objects, 1u);
  auto o = s->find("/big", any);
  ASSERT_NE(o, nullptr);
  EXPECT_EQ(o->body->size(), 100u << 10);
  EXPECT_EQ(s->stats().objects, 0u);  // not promoted: too large for memory
  EXPECT_EQ(s->stats().disk_objects, 1u);
  // A larger response replacing a small one in memory: the memory copy goes.
  ASSERT_TRUE(s->insert(make_object("/grow", 100)));
  EXPECT_EQ(s->stats().objects, 1u);
  auto grown = make_object("/grow", 50 << 10);
  EXPECT_TRUE(s->insert(grown));
  EXPECT_EQ(s->stats().objects, 0u);
  auto g = s->find("/grow", any);
  ASSERT_NE(g, nullptr);
  EXPECT_EQ(g->body->size(), 50u << 10);
  EXPECT_FALSE(s->insert(make_object("/huge", 2 << 20)));  // over both limits
  EXPECT_EQ(s->stats().rejected, 1u);
}

TEST_P(StoreDiskTest, VariantsListsMemoryAndDiskOnce) {
  auto s = make(64 << 10, 4 << 10);
  auto a = make_object("/v", 10, {{"accept", "a"}});
  auto b = make_object("/v", 10, {{"accept", "b"}});
  ASSERT_TRUE(s->insert(a));
  disk->by_key["/v"] = {std::make_shared<Object>(*a), std::make_shared<Object>(*b)};
  auto v = s->variants("/v");
  ASSERT_EQ(v.size(), 2u);
  EXPECT_EQ(v[0], a);
  EXPECT_EQ(v[1]->vary, b->vary);
}

TEST_P(StoreDiskTest, TwoThreadsSpillAndPromote) {
  auto s = make(48 << 10, 4 << 10);
  auto work = [&](int t) {
    for (int i = 0; i < 2000; ++i) {
      auto k = "/t" + std::to_string((i * 13 + t * 7) % 200);
      if (!s->find(k, any)) s->insert(make_object(k, 700 + i % 500, {}, {"g" + std::to_string(i % 3)}));
      if (i % 173 == 0) s->purge_tag("g" + std::to_string(i % 3), t ? PurgeMode::soft : PurgeMode::hard);
      if (i % 157 == 0) s->erase(k);
    }
  };
  std::thread a(work, 0), b(work, 1);
  a.join();
  b.join();
  auto st = s->stats();
  EXPECT_LE(st.bytes, 48u << 10);
  EXPECT_GT(st.disk_objects, 0u);
  // Every key is in at most one tier per variant, and each is found.
  std::uint64_t found = 0;
  for (int i = 0; i < 200; ++i) found += s->variants("/t" + std::to_string(i)).size();
  EXPECT_LE(found, st.objects + st.disk_objects);
  EXPECT_GT(found, 100u);
}

INSTANTIATE_TEST_SUITE_P(Policies, StoreDiskTest, ::testing::Values("lru", "tinylfu"));

}  // namespace
}  // namespace strata::cache
