// The top-level `cache:` storage (config/parse_cache_storage.cpp).
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "config/loader.hpp"
#include "config_error.hpp"

namespace strata::config {
namespace {

std::string with(const std::string& section) {
  return section + "route_tables:\n  t:\n    - {respond: {}}\n" +
         "listeners:\n  - {name: web, address: 127.0.0.1:0, routes: t}\n";
}

std::string error_of(const std::string& yaml) { return strata::config_test::config_error(yaml); }

TEST(ConfigCacheStorage, DefaultsWhenAbsentOrEmpty) {
  EXPECT_EQ(load_string(with(""), "t.yaml")->cache, CacheStorage{});
  EXPECT_EQ(load_string(with("cache: {}\n"), "t.yaml")->cache, CacheStorage{});
  CacheStorage d;
  EXPECT_EQ(d.memory_bytes, 256ull << 20);
  EXPECT_EQ(d.max_object_bytes, 8ull << 20);
  EXPECT_EQ(d.policy, "tinylfu");
  EXPECT_FALSE(d.disk.has_value());
}

TEST(ConfigCacheStorage, ParsesEverything) {
  auto c = load_string(with("cache:\n"
                            "  memory_bytes: 64MiB\n"
                            "  max_object_bytes: 1MiB\n"
                            "  policy: lru\n"
                            "  disk: {path: /var/cache/strata-t, max_bytes: 2GiB, max_object_bytes: 100MiB}\n"
                            "  purge_channel: ''\n"),
                       "t.yaml");
  const auto& s = c->cache;
  EXPECT_EQ(s.memory_bytes, 64ull << 20);
  EXPECT_EQ(s.max_object_bytes, 1ull << 20);
  EXPECT_EQ(s.policy, "lru");
  ASSERT_TRUE(s.disk.has_value());
  EXPECT_EQ(s.disk->path, "/var/cache/strata-t");
  EXPECT_EQ(s.disk->max_bytes, 2ull << 30);
  EXPECT_EQ(s.disk->max_object_bytes, 100ull << 20);
  EXPECT_EQ(s.purge_channel, "");
}

TEST(ConfigCacheStorage, ZeroCopyBodies) {
  CacheStorage d;
  EXPECT_EQ(d.zero_copy_min_bytes, 16u * 1024);
  EXPECT_EQ(d.zero_copy_max_files, 4096u);
  auto c = load_string(with("cache: {zero_copy_min_bytes: 64KiB, zero_copy_max_files: 10}\n"), "t.yaml");
  EXPECT_EQ(c->cache.zero_copy_min_bytes, 64u * 1024);
  EXPECT_EQ(c->cache.zero_copy_max_files, 10u);
  c = load_string(with("cache: {zero_copy_min_bytes: 0}\n"), "t.yaml");  // off
  EXPECT_EQ(c->cache.zero_copy_min_bytes, 0u);
  EXPECT_NE(error_of(with("cache: {zero_copy_max_files: 2000000}\n")).find("zero_copy_max_files"),
            std::string::npos);
  EXPECT_NE(error_of(with("cache: {zero_copy_min_bytes: lots}\n")).find("zero_copy_min_bytes"),
            std::string::npos);
}

// Where large bodies live: unnamed files in a directory (default
// <state_dir>/cache-bodies, resolved when applied) or memfds.
TEST(ConfigCacheStorage, ZeroCopyStorageAndDirectory) {
  CacheStorage d;
  EXPECT_EQ(d.zero_copy_storage, "tmpfile");
  EXPECT_EQ(d.zero_copy_dir, "");
  auto c = load_string(with("cache: {zero_copy_storage: memfd}\n"), "t.yaml");
  EXPECT_EQ(c->cache.zero_copy_storage, "memfd");
  c = load_string(with("cache: {zero_copy_dir: /var/cache/strata-bodies}\n"), "t.yaml");
  EXPECT_EQ(c->cache.zero_copy_storage, "tmpfile");
  EXPECT_EQ(c->cache.zero_copy_dir, "/var/cache/strata-bodies");
  // Relative to the configuration file, as every path.
  {
    const auto dir = std::filesystem::temp_directory_path() / "strata-zero-copy-dir-test";
    std::filesystem::create_directories(dir);
    std::ofstream(dir / "t.yaml") << with("cache: {zero_copy_dir: bodies}\n");
    c = load_file((dir / "t.yaml").string());
    EXPECT_EQ(c->cache.zero_copy_dir, (dir / "bodies").string());
    std::filesystem::remove_all(dir);
  }

  EXPECT_EQ(error_of(with("cache: {zero_copy_storage: disk}\n")).rfind("t.yaml:1:28: zero_copy_storage", 0), 0u)
      << error_of(with("cache: {zero_copy_storage: disk}\n"));
  EXPECT_EQ(error_of(with("cache: {zero_copy_dir: ''}\n")).rfind("t.yaml:1:24: zero_copy_dir: must not be empty", 0),
            0u)
      << error_of(with("cache: {zero_copy_dir: ''}\n"));
  EXPECT_NE(error_of(with("cache: {zero_copy_storage: memfd, zero_copy_dir: /x}\n"))
                .find("t.yaml:1:50: zero_copy_dir: only used with zero_copy_storage: tmpfile"),
            std::string::npos)
      << error_of(with("cache: {zero_copy_storage: memfd, zero_copy_dir: /x}\n"));
}

// The zero-copy settings survive a dump and a reload of the configuration.
TEST(ConfigCacheStorage, ZeroCopySettingsRoundTripThroughJson) {
  auto c = load_string(with("cache: {zero_copy_min_bytes: 32KiB, zero_copy_max_files: 7, zero_copy_dir: /srv/b}\n"),
                       "t.yaml");
  auto again = load_string(to_json(*c), "t.json");
  EXPECT_EQ(again->cache, c->cache);
  c = load_string(with("cache: {zero_copy_storage: memfd}\n"), "t.yaml");
  EXPECT_EQ(load_string(to_json(*c), "t.json")->cache, c->cache);
}

TEST(ConfigCacheStorage, PlainNumbersAreBytesAndDiskDefaults) {
  auto c = load_string(with("cache:\n  memory_bytes: 100000\n  disk: {path: /tmp/x}\n"), "t.yaml");
  EXPECT_EQ(c->cache.memory_bytes, 100000u);
  // The default max_object_bytes (8 MiB) exceeds 100000: clamped, not an error.
  EXPECT_EQ(c->cache.max_object_bytes, 100000u);
  ASSERT_TRUE(c->cache.disk.has_value());
  EXPECT_EQ(*c->cache.disk, (CacheDisk{"/tmp/x", 1ull << 30, 64ull << 20}));
}

TEST(ConfigCacheStorage, RelativeDiskPathIsResolvedAgainstTheFile) {
  const std::string dir = ::testing::TempDir() + "strata-cache-storage-test";
  std::filesystem::create_directories(dir);
  const std::string file = dir + "/t.yaml";
  {
    std::ofstream out(file);
    out << with("cache:\n  disk: {path: cachedir}\n");
  }
  auto c = load_file(file);
  EXPECT_EQ(c->cache.disk->path, dir + "/cachedir");
  std::filesystem::remove_all(dir);
}

TEST(ConfigCacheStorage, ErrorsNameTheLocation) {
  EXPECT_EQ(error_of(with("cache:\n  memory_bytes: lots\n")).rfind("t.yaml:2:17: memory_bytes:", 0), 0u)
      << error_of(with("cache:\n  memory_bytes: lots\n"));
  EXPECT_NE(error_of(with("cache:\n  memory_bytes: 12\n")).find("t.yaml:2:17: memory_bytes: 12 is out of range"),
            std::string::npos);
  EXPECT_NE(error_of(with("cache:\n  policy: arc\n")).find("t.yaml:2:11: policy:"), std::string::npos)
      << error_of(with("cache:\n  policy: arc\n"));
  EXPECT_NE(error_of(with("cache:\n  memroy_bytes: 1MiB\n")).find("t.yaml:2:3: unknown key 'memroy_bytes'"),
            std::string::npos)
      << error_of(with("cache:\n  memroy_bytes: 1MiB\n"));
  EXPECT_NE(error_of(with("cache:\n  memory_bytes: 1MiB\n  max_object_bytes: 2MiB\n"))
                .find("t.yaml:3:21: max_object_bytes: 2097152 exceeds memory_bytes 1048576"),
            std::string::npos)
      << error_of(with("cache:\n  memory_bytes: 1MiB\n  max_object_bytes: 2MiB\n"));
  EXPECT_NE(error_of(with("cache:\n  disk: {max_bytes: 1GiB}\n")).find("t.yaml:2:9: missing required key 'path'"),
            std::string::npos)
      << error_of(with("cache:\n  disk: {max_bytes: 1GiB}\n"));
  EXPECT_NE(error_of(with("cache:\n  disk: {path: /x, max_bytes: 1MiB, max_object_bytes: 2MiB}\n"))
                .find("t.yaml:2:55: max_object_bytes: 2097152 exceeds the disk's max_bytes 1048576"),
            std::string::npos)
      << error_of(with("cache:\n  disk: {path: /x, max_bytes: 1MiB, max_object_bytes: 2MiB}\n"));
  EXPECT_NE(error_of(with("cache: 12\n")).find("t.yaml:1:"), std::string::npos);
}

}  // namespace
}  // namespace strata::config
