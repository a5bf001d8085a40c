// server/cache_setup: the process store follows the configuration.
#include "server/cache_setup.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "cache/body.hpp"
#include "cache/store.hpp"
#include "config/loader.hpp"
#include "upstream/resilience/lkg_store.hpp"
#include "unit/support/temp_dir.hpp"

namespace strata::server {
namespace {

std::shared_ptr<const config::Config> cfg(bool cached, const std::string& storage = "") {
  return config::load_string(storage +
                                 "clusters: {b: {endpoints: [\"127.0.0.1:1\"]}}\n"
                                 "route_tables:\n  t:\n"
                                 "    - proxy: {cluster: b}\n" +
                                 std::string(cached ? "      cache: {}\n" : "") +
                                 "listeners:\n  - {name: web, address: 127.0.0.1:0, routes: t}\n",
                             "t.yaml");
}

TEST(CacheSetup, CreatesReconfiguresAndReleasesTheProcessStore) {
  cache::set_process_store(nullptr);
  configure_cache_store(*cfg(false));
  EXPECT_EQ(cache::process_store(), nullptr);
  EXPECT_FALSE(any_route_cached(*cfg(false)));
  EXPECT_TRUE(any_route_cached(*cfg(true)));

  configure_cache_store(*cfg(true, "cache: {memory_bytes: 1MiB, max_object_bytes: 64KiB}\n"));
  auto store = cache::process_store();
  ASSERT_NE(store, nullptr);
  auto o = std::make_shared<cache::Object>();
  o->key = "/k";
  o->body = std::make_shared<const std::string>(30000, 'x');
  EXPECT_TRUE(store->insert(o));

  // A reload keeps the store (and its objects) and applies new limits.
  configure_cache_store(*cfg(true, "cache: {memory_bytes: 1MiB, max_object_bytes: 16KiB}\n"));
  EXPECT_EQ(cache::process_store(), store);
  EXPECT_EQ(store->stats().objects, 1u);
  EXPECT_FALSE(store->insert(o));  // now over max_object_bytes

  configure_cache_store(*cfg(false));
  EXPECT_EQ(cache::process_store(), nullptr);
}

// The resilience tiers' last-known-good copies live in the store too: a
// route with last_known_good (and no cache:) gets one, and the copies are
// reachable through the installed upstream::resilience::lkg_store().
TEST(CacheSetup, LastKnownGoodAloneKeepsAStore) {
  cache::set_process_store(nullptr);
  upstream::resilience::set_lkg_store(nullptr);
  auto lkg_only = config::load_string(
      "clusters: {b: {endpoints: [\"127.0.0.1:1\"]}}\n"
      "route_tables:\n  t:\n"
      "    - name: r\n"
      "      proxy: {cluster: b, fallback: {last_known_good: {ttl: 60s}}}\n"
      "listeners:\n  - {name: web, address: 127.0.0.1:0, routes: t}\n",
      "t.yaml");
  EXPECT_FALSE(any_route_cached(*lkg_only));
  EXPECT_TRUE(any_route_keeps_last_known_good(*lkg_only));
  EXPECT_FALSE(any_route_keeps_last_known_good(*cfg(true)));
  configure_cache_store(*lkg_only);
  auto store = cache::process_store();
  ASSERT_NE(store, nullptr);
  auto lkg = upstream::resilience::lkg_store();
  ASSERT_NE(lkg, nullptr);
  config::LastKnownGood g;
  const upstream::resilience::LkgKey k{"r", "http", "h", "/x"};
  EXPECT_TRUE(lkg->put(k, g, {200, {{"content-type", "text/plain"}}, "copy"}));
  EXPECT_EQ(store->by_url("http://h/x").size(), 1u);
  EXPECT_EQ(lkg->get(k, g)->body, "copy");
  configure_cache_store(*lkg_only);  // a reload keeps the store and its copies
  EXPECT_EQ(cache::process_store(), store);
  EXPECT_EQ(lkg->get(k, g)->body, "copy");
  configure_cache_store(*cfg(false));  // neither: released
  EXPECT_EQ(cache::process_store(), nullptr);
  EXPECT_FALSE(lkg->get(k, g));
  upstream::resilience::set_lkg_store(nullptr);
}

// Large bodies go to unnamed files in cache.zero_copy_dir (default
// <state_dir>/cache-bodies); an unusable directory or zero_copy_storage:
// memfd sends them to memfds.
TEST(CacheSetup, LargeBodiesFollowTheBodyDirectory) {
  strata::test::TempDir t;
  const auto with = [&](const std::string& storage) {
    return cfg(true, "state_dir: " + t.path() + "\ncache: {" + storage + "}\n");
  };
  EXPECT_EQ(body_dir_path(*with("")), t.path() + "/cache-bodies");
  EXPECT_EQ(body_dir_path(*with("zero_copy_dir: " + t.file("b"))), t.file("b"));
  EXPECT_EQ(body_dir_path(*with("zero_copy_storage: memfd")), "");
  EXPECT_EQ(body_dir_path(*with("zero_copy_min_bytes: 0")), "");

  const std::string big(20000, 'b');
  configure_cache_store(*with(""));
  EXPECT_TRUE(std::filesystem::is_directory(t.path() + "/cache-bodies"));
  EXPECT_EQ(cache::make_body(std::string(big))->storage(), cache::BodyStorage::tmpfile);
  configure_cache_store(*with("zero_copy_storage: memfd"));  // a reload
  EXPECT_EQ(cache::make_body(std::string(big))->storage(), cache::BodyStorage::memfd);
  configure_cache_store(*with("zero_copy_dir: " + t.file("b")));
  EXPECT_EQ(cache::make_body(std::string(big))->storage(), cache::BodyStorage::tmpfile);
  EXPECT_TRUE(std::filesystem::is_directory(t.file("b")));
  std::ofstream(t.file("plain")) << "x";
  configure_cache_store(*with("zero_copy_dir: " + t.file("plain")));  // unusable: memfds, logged
  EXPECT_EQ(cache::make_body(std::string(big))->storage(), cache::BodyStorage::memfd);
  configure_cache_store(*with("zero_copy_min_bytes: 0"));
  EXPECT_EQ(cache::make_body(std::string(big))->storage(), cache::BodyStorage::heap);
  configure_cache_store(*cfg(false));
  cache::set_body_files(16 * 1024, 4096);
  cache::set_body_dir(nullptr);
}

}  // namespace
}  // namespace strata::server
