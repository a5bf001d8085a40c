// Every file in examples/ loads, and the embedded default matches its seed.
#include <gtest/gtest.h>

#include <filesystem>

#include "config/loader.hpp"

namespace fs = std::filesystem;
using namespace strata::config;

namespace {

// tests/unit/config/examples_test.cpp -> the source tree root.
fs::path source_root() { return fs::path(__FILE__).parent_path().parent_path().parent_path().parent_path(); }

}  // namespace

TEST(ConfigExamples, EveryExampleLoads) {
  const fs::path dir = source_root() / "examples";
  ASSERT_TRUE(fs::is_directory(dir)) << dir;
  int loaded = 0;
  for (const auto& e : fs::directory_iterator(dir)) {
    if (e.path().extension() != ".yaml") continue;
    SCOPED_TRACE(e.path().string());
    try {
      auto c = load_file(e.path().string());
      EXPECT_FALSE(c->listeners.empty());
      ++loaded;
    } catch (const ConfigError& err) {
      ADD_FAILURE() << err.what();
    }
  }
  EXPECT_GE(loaded, 2);
}

TEST(ConfigExamples, ProxyExampleHasEveryActionKind) {
  auto c = load_file((source_root() / "examples" / "proxy.yaml").string());
  bool seen[4] = {};
  for (const auto& [name, routes] : c->route_tables)
    for (const auto& r : routes) seen[r.action.index()] = true;
  EXPECT_TRUE(seen[0] && seen[1] && seen[2] && seen[3]);
  EXPECT_EQ(c->clusters.at("web").lb, LbPolicy::round_robin);
  EXPECT_EQ(c->clusters.at("sessions").lb, LbPolicy::ring_hash);
  EXPECT_TRUE(c->listeners.at(0).tls);
  EXPECT_FALSE(c->listeners.at(1).tls);
}
