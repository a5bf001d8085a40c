// The top-level `cache:` storage (docs/cache.md, config/cache.hpp):
//   cache:
//     memory_bytes: 256MiB        # sizes as elsewhere: 1024, 64KiB, 8MiB, 1GiB
//     max_object_bytes: 8MiB
//     policy: tinylfu             # tinylfu | lru
//     disk: {path: /var/cache/strata, max_bytes: 1GiB, max_object_bytes: 64MiB}
//     purge_channel: strata:cache:purge   # "" = purges stay local
//     zero_copy_min_bytes: 16KiB  # bodies this large live in files (0 = none)
//     zero_copy_max_files: 4096   # at most this many such files (descriptors)
//     zero_copy_storage: tmpfile  # tmpfile (unnamed files in zero_copy_dir) | memfd
//     zero_copy_dir: /var/cache/strata/bodies   # default <state_dir>/cache-bodies
// Every error names file:line:column.
#include <fmt/format.h>

#include "config/parse.hpp"

namespace strata::config::detail {
namespace {

constexpr std::uint64_t kMaxSize = 1ull << 50;  // 1 PiB: a typo guard, not a policy

CacheDisk parse_cache_disk(const Doc& d, const Val& v) {
  MapReader m(d, v, "cache.disk", {"path", "max_bytes", "max_object_bytes"});
  CacheDisk disk;
  auto p = m.require("path");
  disk.path = as_string(d, p, "path");
  if (disk.path.empty()) d.fail(p.loc, "path: must not be empty");
  disk.path = d.resolve_path(disk.path);
  opt_size(m, "max_bytes", disk.max_bytes, 4096, kMaxSize);
  opt_size(m, "max_object_bytes", disk.max_object_bytes, 1, kMaxSize);
  if (disk.max_object_bytes > disk.max_bytes) {
    auto mo = m.get("max_object_bytes");
    if (!mo) disk.max_object_bytes = disk.max_bytes;  // the default exceeds a small disk: clamp
    else
      d.fail(mo->loc, fmt::format("max_object_bytes: {} exceeds the disk's max_bytes {}", disk.max_object_bytes,
                                  disk.max_bytes));
  }
  return disk;
}

}  // namespace

CacheStorage parse_cache_storage(const Doc& d, const Val& v) {
  MapReader m(d, v, "cache", {"memory_bytes", "max_object_bytes", "policy", "disk", "purge_channel",
                                      "zero_copy_min_bytes", "zero_copy_max_files", "zero_copy_storage",
                                      "zero_copy_dir"});
  CacheStorage c;
  opt_size(m, "memory_bytes", c.memory_bytes, 4096, kMaxSize);
  opt_size(m, "max_object_bytes", c.max_object_bytes, 1, kMaxSize);
  if (c.max_object_bytes > c.memory_bytes) {
    auto mo = m.get("max_object_bytes");
    if (!mo) c.max_object_bytes = c.memory_bytes;  // the default exceeds a small memory: clamp
    else
      d.fail(mo->loc,
             fmt::format("max_object_bytes: {} exceeds memory_bytes {}", c.max_object_bytes, c.memory_bytes));
  }
  if (auto p = m.get("policy")) c.policy = as_enum(d, *p, "policy", {"tinylfu", "lru"});
  if (auto dk = m.get("disk")) c.disk = parse_cache_disk(d, *dk);
  opt_string(m, "purge_channel", c.purge_channel);
  opt_size(m, "zero_copy_min_bytes", c.zero_copy_min_bytes, 0, kMaxSize);
  opt_size(m, "zero_copy_max_files", c.zero_copy_max_files, 0, 1u << 20);
  if (auto p = m.get("zero_copy_storage"))
    c.zero_copy_storage = as_enum(d, *p, "zero_copy_storage", {"tmpfile", "memfd"});
  if (auto p = m.get("zero_copy_dir")) {
    c.zero_copy_dir = as_string(d, *p, "zero_copy_dir");
    if (c.zero_copy_dir.empty()) d.fail(p->loc, "zero_copy_dir: must not be empty (omit it for the default)");
    if (c.zero_copy_storage != "tmpfile")
      d.fail(p->loc, "zero_copy_dir: only used with zero_copy_storage: tmpfile");
    c.zero_copy_dir = d.resolve_path(c.zero_copy_dir);
  }
  return c;
}

}  // namespace strata::config::detail
