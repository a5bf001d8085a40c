// Every file in examples/ (and its folders, e.g. examples/hub/) loads, and the embedded default matches its seed.
#include <gtest/gtest.h>

#include <filesystem>

#include "config/loader.hpp"

namespace fs = std::filesystem;
using namespace strata::config;

namespace {

// The source tree root: from this file's path (tests/unit/config/ -> root)
// when the compiler saw it as absolute, else from the test binary's folder
// (<root>/build*/strata_unit) or the working directory (a relative __FILE__,
// e.g. with ccache's base_dir, names no fixed place).
fs::path source_root() {
  const auto has_examples = [](const fs::path& d) {
    std::error_code ec;
    return !d.empty() && fs::is_regular_file(d / "examples" / "proxy.yaml", ec);
  };
  const fs::path file(__FILE__);
  if (file.is_absolute()) {
    auto root = file.parent_path().parent_path().parent_path().parent_path();
    if (has_examples(root)) return root;
  }
  std::error_code ec;
  for (fs::path d : {fs::read_symlink("/proc/self/exe", ec).parent_path(), fs::current_path(ec)})
    for (int up = 0; up < 4 && !d.empty(); ++up, d = d.parent_path())
      if (has_examples(d)) return d;
  return file.parent_path().parent_path().parent_path().parent_path();
}

}  // namespace

TEST(ConfigExamples, EveryExampleLoads) {
  const fs::path dir = source_root() / "examples";
  ASSERT_TRUE(fs::is_directory(dir)) << dir;
  int loaded = 0;
  for (const auto& e : fs::recursive_directory_iterator(dir)) {
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
