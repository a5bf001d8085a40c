#include "cache/disk_tier.hpp"

#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <thread>
#include <gtest/gtest.h>

#include "cache/object_codec.hpp"
#include "unit/support/temp_dir.hpp"

namespace strata::cache {
namespace {

namespace fs = std::filesystem;

Object make(std::string key, std::string body, std::vector<std::string> tags = {}, std::string vary_value = "") {
  Object o;
  o.key = key;
  o.url = "https://example.test" + key;
  if (!vary_value.empty()) o.vary = {{"accept-encoding", vary_value}};
  o.status = 200;
  o.headers = {{"content-type", "text/plain"}, {"etag", "\"v1\""}};
  o.body = std::make_shared<const std::string>(std::move(body));
  o.request_time = WallTime(std::chrono::seconds(1700000000));
  o.response_time = WallTime(std::chrono::seconds(1700000001));
  o.tags = std::move(tags);
  return o;
}

std::vector<fs::path> object_files(const std::string& dir) {
  std::vector<fs::path> out;
  for (const auto& e : fs::recursive_directory_iterator(dir))
    if (e.is_regular_file() && e.path().extension() == ".obj") out.push_back(e.path());
  return out;
}

config::CacheDisk disk(const strata::test::TempDir& d, std::uint64_t max_bytes = 1 << 20) {
  config::CacheDisk c;
  c.path = d.path() + "/cache";
  c.max_bytes = max_bytes;
  c.max_object_bytes = 64 << 10;
  return c;
}

TEST(ObjectCodec, RoundTripAndRejectsDamage) {
  auto o = make("/a", std::string(1000, 'x'), {"t1", "t2"}, "gzip");
  o.vary_star = true;
  o.invalidated = true;
  const std::string f = codec::encode(o);
  auto back = codec::decode(f);
  ASSERT_TRUE(back);
  EXPECT_EQ(back->key, o.key);
  EXPECT_EQ(back->url, o.url);
  EXPECT_EQ(back->vary, o.vary);
  EXPECT_TRUE(back->vary_star);
  EXPECT_EQ(back->headers, o.headers);
  EXPECT_EQ(*back->body, *o.body);
  EXPECT_EQ(back->tags, o.tags);
  EXPECT_EQ(back->request_time, o.request_time);
  EXPECT_EQ(back->response_time, o.response_time);
  EXPECT_TRUE(back->invalidated);
  EXPECT_FALSE(codec::decode(f.substr(0, f.size() - 1)));  // torn
  std::string flipped = f;
  flipped[f.size() - 10] ^= 1;  // body bit
  EXPECT_FALSE(codec::decode(flipped));
  flipped = f;
  flipped[codec::kHeaderSize + 3] ^= 1;  // metadata bit
  EXPECT_FALSE(codec::decode(flipped));
  EXPECT_FALSE(codec::decode("garbage"));
}

TEST(DiskTier, PutGetVariantsErase) {
  strata::test::TempDir d;
  auto t = DiskTier::open(disk(d));
  EXPECT_TRUE(t->put(make("/a", "gz body", {}, "gzip")));
  auto br = make("/a", "br body", {}, "br");
  br.response_time += std::chrono::seconds(5);
  EXPECT_TRUE(t->put(br));
  EXPECT_TRUE(t->put(make("/b", "b body")));
  EXPECT_EQ(t->objects(), 3u);
  auto v = t->get("/a");
  ASSERT_EQ(v.size(), 2u);
  EXPECT_EQ(*v[0]->body, "br body");  // newest first
  EXPECT_EQ(*v[1]->body, "gz body");
  // Same key and vary values: replaced, not added.
  EXPECT_TRUE(t->put(make("/a", "gz body 2", {}, "gzip")));
  EXPECT_EQ(t->objects(), 3u);
  EXPECT_EQ(object_files(d.path()).size(), 3u);
  EXPECT_EQ(t->erase("/a"), 2u);
  EXPECT_TRUE(t->get("/a").empty());
  EXPECT_EQ(t->objects(), 1u);
  EXPECT_EQ(object_files(d.path()).size(), 1u);
  EXPECT_EQ(t->bytes(), fs::file_size(object_files(d.path())[0]));
  EXPECT_TRUE(t->get("/nope").empty());
}

TEST(DiskTier, ByUrlAnyKey) {
  strata::test::TempDir d;
  auto t = DiskTier::open(disk(d));
  auto a = make("/a", "one", {}, "gzip");
  auto b = make("/a-other-key", "two");
  b.url = a.url;  // the same URL under another key (e.g. a key with a cookie)
  t->put(a);
  t->put(b);
  t->put(make("/c", "three"));
  EXPECT_EQ(t->by_url(a.url).size(), 2u);
  EXPECT_TRUE(t->by_url("https://example.test/none").empty());
}

TEST(DiskTier, RefusesTooLarge) {
  strata::test::TempDir d;
  auto t = DiskTier::open(disk(d));
  EXPECT_FALSE(t->put(make("/big", std::string(70 << 10, 'x'))));
  EXPECT_EQ(t->objects(), 0u);
  EXPECT_TRUE(object_files(d.path()).empty());
}

TEST(DiskTier, PurgeHardAndSoft) {
  strata::test::TempDir d;
  auto t = DiskTier::open(disk(d));
  t->put(make("/p/1", "1", {"red"}));
  t->put(make("/p/2", "2", {"red", "blue"}));
  t->put(make("/q/3", "3", {"blue"}));
  t->put(make("/q/4", "4"));
  EXPECT_EQ(t->purge_tag("red", true), 2u);  // soft: still there, invalidated
  EXPECT_EQ(t->objects(), 4u);
  ASSERT_EQ(t->get("/p/1").size(), 1u);
  EXPECT_TRUE(t->get("/p/1")[0]->invalidated);
  EXPECT_FALSE(t->get("/q/3")[0]->invalidated);
  EXPECT_EQ(t->purge_tag("blue", false), 2u);
  EXPECT_TRUE(t->get("/p/2").empty());
  EXPECT_EQ(t->purge_url("https://example.test/q/4", false), 1u);
  EXPECT_EQ(t->purge_url("https://example.test/q/4", false), 0u);
  t->put(make("/q/5", "5"));
  t->put(make("/r/6", "6"));
  EXPECT_EQ(t->purge_prefix("/q/", false), 1u);  // any host's target
  EXPECT_EQ(t->purge_prefix("https://example.test/r", true), 1u);
  EXPECT_TRUE(t->get("/r/6")[0]->invalidated);
  EXPECT_EQ(t->purge_all(false), 2u);  // /p/1 and /r/6
  EXPECT_EQ(t->objects(), 0u);
  EXPECT_EQ(t->bytes(), 0u);
  EXPECT_TRUE(object_files(d.path()).empty());
}

TEST(DiskTier, SurvivesRestartWithSoftPurge) {
  strata::test::TempDir d;
  std::uint64_t bytes = 0;
  {
    auto t = DiskTier::open(disk(d));
    t->put(make("/a", "alpha", {"x"}, "gzip"));
    t->put(make("/b", "beta", {"y"}));
    t->purge_tag("y", true);
    bytes = t->bytes();
  }
  auto t = DiskTier::open(disk(d));
  EXPECT_EQ(t->objects(), 2u);
  EXPECT_EQ(t->bytes(), bytes);
  auto a = t->get("/a");
  ASSERT_EQ(a.size(), 1u);
  EXPECT_EQ(*a[0]->body, "alpha");
  EXPECT_EQ(a[0]->vary, (std::vector<Field>{{"accept-encoding", "gzip"}}));
  EXPECT_FALSE(a[0]->invalidated);
  ASSERT_EQ(t->get("/b").size(), 1u);
  EXPECT_TRUE(t->get("/b")[0]->invalidated);
  EXPECT_EQ(t->purge_tag("x", false), 1u);  // the tag index is rebuilt too
}

TEST(DiskTier, BoundedByBytesLeastRecentlyUsedFirst) {
  strata::test::TempDir d;
  const std::uint64_t one = codec::encode(make("/k0", std::string(1000, 'x'))).size();
  auto t = DiskTier::open(disk(d, 3 * one + one / 2));
  t->put(make("/k0", std::string(1000, 'x')));
  t->put(make("/k1", std::string(1000, 'x')));
  t->put(make("/k2", std::string(1000, 'x')));
  EXPECT_EQ(t->get("/k0").size(), 1u);  // k0 is now the most recent
  t->put(make("/k3", std::string(1000, 'x')));
  EXPECT_EQ(t->objects(), 3u);
  EXPECT_LE(t->bytes(), 3 * one + one / 2);
  EXPECT_TRUE(t->get("/k1").empty());  // the least recently used went
  EXPECT_EQ(t->get("/k0").size(), 1u);
  EXPECT_EQ(object_files(d.path()).size(), 3u);
}

TEST(DiskTier, ShrunkBoundAppliesAtOpen) {
  strata::test::TempDir d;
  {
    auto t = DiskTier::open(disk(d));
    for (int i = 0; i < 5; ++i) t->put(make("/k" + std::to_string(i), std::string(1000, 'x')));
  }
  const std::uint64_t one = codec::encode(make("/k0", std::string(1000, 'x'))).size();
  auto t = DiskTier::open(disk(d, 2 * one));
  EXPECT_EQ(t->objects(), 2u);
  EXPECT_EQ(object_files(d.path()).size(), 2u);
}

TEST(DiskTier, TornAndForeignFilesRemovedAtOpen) {
  strata::test::TempDir d;
  {
    auto t = DiskTier::open(disk(d));
    t->put(make("/good", "good body"));
    t->put(make("/torn", std::string(5000, 't')));
  }
  const auto cfg = disk(d);
  fs::path torn;
  for (const auto& p : object_files(d.path())) {
    auto o = codec::decode([&] {
      std::ifstream in(p, std::ios::binary);
      return std::string(std::istreambuf_iterator<char>(in), {});
    }());
    if (o && o->key == "/torn") torn = p;
  }
  ASSERT_FALSE(torn.empty());
  fs::resize_file(torn, 100);                                           // a crash mid-write
  std::ofstream(cfg.path + "/.tmp-1-7.tmp") << "half an object";        // an interrupted put
  std::ofstream(torn.parent_path() / "0123456789abcdef0123456789abcdef.obj") << "foreign";
  std::ofstream(cfg.path + "/README") << "not ours";                    // outside the layout: kept
  auto t = DiskTier::open(cfg);
  EXPECT_EQ(t->objects(), 1u);
  EXPECT_EQ(t->get("/good").size(), 1u);
  EXPECT_TRUE(t->get("/torn").empty());
  EXPECT_EQ(object_files(d.path()).size(), 1u);
  EXPECT_FALSE(fs::exists(cfg.path + "/.tmp-1-7.tmp"));
  EXPECT_TRUE(fs::exists(cfg.path + "/README"));
}

TEST(DiskTier, BodyCorruptedAfterOpenIsDroppedOnRead) {
  strata::test::TempDir d;
  auto t = DiskTier::open(disk(d));
  t->put(make("/c", std::string(100, 'c')));
  const auto p = object_files(d.path()).at(0);
  {
    std::fstream f(p, std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(-5, std::ios::end);
    f.put('X');
  }
  EXPECT_TRUE(t->get("/c").empty());
  EXPECT_EQ(t->objects(), 0u);
  EXPECT_FALSE(fs::exists(p));
}

// Two writers, a reader and a purger on few keys under a tight bound: the
// index and the directory stay in agreement (checked by a reopen).
TEST(DiskTier, ThreadsKeepIndexAndFilesInAgreement) {
  strata::test::TempDir d;
  const std::uint64_t one = codec::encode(make("/k0", std::string(500, 'x'), {"t"})).size();
  auto t = DiskTier::open(disk(d, 6 * one));
  auto work = [&](int who) {
    for (int i = 0; i < 300; ++i) {
      const std::string key = "/k" + std::to_string((i * 7 + who) % 10);
      switch ((i + who) % 4) {
        case 0: t->put(make(key, std::string(500, 'x'), {"t"})); break;
        case 1: for (const auto& o : t->get(key)) EXPECT_EQ(o->body->size(), 500u); break;
        case 2: t->purge_tag("t", i % 8 == 2); break;
        default: t->erase(key); break;
      }
    }
  };
  std::vector<std::thread> threads;
  for (int w = 0; w < 4; ++w) threads.emplace_back(work, w);
  for (auto& th : threads) th.join();
  EXPECT_LE(t->bytes(), 6 * one);
  const auto objects = t->objects();
  const auto bytes = t->bytes();
  EXPECT_EQ(object_files(d.path()).size(), objects);
  t.reset();
  auto again = DiskTier::open(disk(d, 6 * one));
  EXPECT_EQ(again->objects(), objects);
  EXPECT_EQ(again->bytes(), bytes);
}

TEST(DiskTier, UnusableDirectoryThrowsWithPath) {
  strata::test::TempDir d;
  std::ofstream(d.file("plain")) << "x";
  config::CacheDisk c;
  c.path = d.file("plain") + "/sub";
  try {
    DiskTier::open(c);
    FAIL() << "expected a throw";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find(c.path), std::string::npos);
  }
}

}  // namespace
}  // namespace strata::cache
