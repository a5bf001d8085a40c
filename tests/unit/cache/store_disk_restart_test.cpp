// The store with a real disk tier (cache-edge): objects evicted from memory
// land on disk and come back on a hit, by_url sees both tiers, purges reach
// the disk, and a new store on the same directory (a restart) finds them.
#include <gtest/gtest.h>

#include "cache/disk_tier.hpp"
#include "cache/store.hpp"
#include "unit/cache/store_test_util.hpp"
#include "unit/support/temp_dir.hpp"

namespace strata::cache {
namespace {

using test::make_object;

auto any = [](const Object&) { return true; };

config::CacheStorage with_disk(const strata::test::TempDir& d) {
  config::CacheStorage c;
  c.memory_bytes = 8 << 10;  // a few 1 KiB objects
  c.max_object_bytes = 2 << 10;
  c.policy = "lru";
  c.disk = config::CacheDisk{d.path() + "/disk", 1 << 20, 1 << 16};
  return c;
}

TEST(StoreDisk, SpillsFindsByUrlPurgesAndSurvivesRestart) {
  strata::test::TempDir d;
  core::FakeWallClock clock;
  {
    auto s = Store::create(with_disk(d), clock);
    for (int i = 0; i < 40; ++i)
      ASSERT_TRUE(s->insert(make_object("/k" + std::to_string(i), 1000, {}, {i % 2 ? "odd" : "even"})));
    const auto st = s->stats();
    EXPECT_GT(st.disk_objects, 0u);  // memory holds only a few: the rest went to disk
    EXPECT_LT(st.objects, 40u);
    // The first objects were evicted first: on disk, found there.
    auto u = s->by_url("https://example.com/k0");
    ASSERT_EQ(u.size(), 1u);
    EXPECT_EQ(u[0]->key, "/k0");
    EXPECT_EQ(u[0]->tags, std::vector<std::string>{"even"});
    auto hit = s->find("/k1", any);
    ASSERT_TRUE(hit);
    EXPECT_EQ(hit->body->size(), 1000u);
    // A hard purge by tag removes the even ones everywhere.
    EXPECT_EQ(s->purge_tag("even", PurgeMode::hard), 20u);
    EXPECT_EQ(s->find("/k0", any), nullptr);
    EXPECT_TRUE(s->by_url("https://example.com/k0").empty());
    // Soft purge by prefix: still found, invalidated.
    EXPECT_EQ(s->purge_prefix("/k3", PurgeMode::soft), 6u);  // /k3, /k31, /k33, .. /k39
  }
  auto s = Store::create(with_disk(d), clock);  // a restart: memory is empty, the disk is not
  EXPECT_GT(s->stats().disk_objects, 0u);
  auto o = s->find("/k3", any);
  ASSERT_TRUE(o);  // was on disk, or spilled there when the old store went
  EXPECT_TRUE(o->invalidated);
  auto o5 = s->find("/k5", any);
  if (o5) {
    EXPECT_FALSE(o5->invalidated);
  }
  EXPECT_EQ(s->find("/k2", any), nullptr);  // purged before the restart
}

}  // namespace
}  // namespace strata::cache
