// The store's optional disk tier (config::CacheDisk; docs/cache.md,
// "Storage"): one file per object under a directory, written when the
// memory tier evicts an object (or refuses one too large for memory but
// within the disk's max_object_bytes), read back on a memory miss, and
// found again after a restart (the index is rebuilt by scanning the
// directory at open; unreadable or foreign files are removed). Bounded by
// max_bytes (least recently used files deleted first). Thread-safe (one
// mutex; file I/O happens outside it). Files are written to a temporary
// name and renamed, so a crash never leaves a torn object behind.
#pragma once
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "cache/object.hpp"
#include "config/cache.hpp"

namespace strata::cache {

class DiskTier {
 public:
  virtual ~DiskTier() = default;
  // Opens (creating the directory) and indexes what is there. Throws
  // std::runtime_error with the path when the directory cannot be used.
  static std::unique_ptr<DiskTier> open(const config::CacheDisk& cfg);

  // Writes `obj` (replacing a file with the same key and vary values).
  // False when too large or on an I/O error (counted, logged once).
  virtual bool put(const Object& obj) = 0;
  // Every variant stored under `key`, read from disk (newest first).
  virtual std::vector<ObjectPtr> get(std::string_view key) = 0;
  // Every object whose Object::url equals `url`, any key (admin lookup);
  // does not count as a use for the LRU order.
  virtual std::vector<ObjectPtr> by_url(std::string_view url) = 0;
  // Removes the variants under `key`; returns how many.
  virtual std::size_t erase(std::string_view key) = 0;
  // Removes (hard) or marks invalidated (soft) the objects matching;
  // `prefix` as in Store::purge_prefix. Return the count affected.
  virtual std::size_t purge_tag(std::string_view tag, bool soft) = 0;
  virtual std::size_t purge_url(std::string_view url, bool soft) = 0;
  virtual std::size_t purge_prefix(std::string_view prefix, bool soft) = 0;
  virtual std::size_t purge_all(bool soft) = 0;

  virtual std::uint64_t objects() const = 0;
  virtual std::uint64_t bytes() const = 0;
};

}  // namespace strata::cache
