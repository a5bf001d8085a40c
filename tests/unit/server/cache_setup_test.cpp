// server/cache_setup: the process store follows the configuration.
#include "server/cache_setup.hpp"

#include <gtest/gtest.h>

#include "cache/store.hpp"
#include "config/loader.hpp"

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

}  // namespace
}  // namespace strata::server
