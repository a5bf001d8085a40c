// The edge cache's store (docs/cache.md, "Storage"): one per process,
// shared by every worker; thread-safe (sharded by key hash, one mutex per
// shard, no lock held while a caller uses an object). Bounded in bytes
// (Object::charge()); admission and eviction by W-TinyLFU ("tinylfu") or
// plain LRU ("lru"), per CacheStorage::policy. Objects over
// max_object_bytes are refused. Under one primary key it keeps the
// variants (Vary) of a response, at most `max_variants`, newest first.
// Optional disk tier (config::CacheDisk): objects evicted from memory go
// there and come back on a hit; it survives a restart. A tag index serves
// purges by tag. Time from an injected wall clock (purge times, disk
// index); freshness is the caller's business.
#pragma once
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "cache/object.hpp"
#include "config/cache.hpp"
#include "core/clock.hpp"

namespace strata::cache {

struct StoreStats {
  std::uint64_t objects = 0;     // in memory
  std::uint64_t bytes = 0;       // in memory (charges)
  std::uint64_t disk_objects = 0;
  std::uint64_t disk_bytes = 0;
  std::uint64_t evictions = 0;   // memory evictions (total)
  std::uint64_t rejected = 0;    // refused by admission or size (total)
  std::uint64_t purged = 0;      // objects removed or invalidated by purges (total)
};

enum class PurgeMode : std::uint8_t { hard, soft };  // hard: removed; soft: invalidated

class Store {
 public:
  virtual ~Store() = default;
  static std::shared_ptr<Store> create(const config::CacheStorage& cfg,
                                       const core::WallClock& clock);

  // The newest variant under `key` for which `match` returns true, or null.
  // Counts as an access for the policy (hit or miss) and refreshes
  // recency. Looks in memory, then on disk (promoting a disk hit).
  virtual ObjectPtr find(std::string_view key,
                         const std::function<bool(const Object&)>& match) = 0;
  // Counts an access to `key` for the admission policy without a lookup
  // (memory or disk): the last-known-good copies (lkg_cache.hpp) are
  // accessed when their URL is requested, not when they are read.
  virtual void record_access(std::string_view /*key*/) {}
  // Every variant under `key` (admin lookup), newest first; no access.
  virtual std::vector<ObjectPtr> variants(std::string_view key) = 0;
  // Every object (memory and disk) whose Object::url equals `url`, any
  // key (admin GET /cache/lookup); no access. Added by cache-edge.
  virtual std::vector<ObjectPtr> by_url(std::string_view url) = 0;

  // Stores `obj` under obj->key, replacing a variant with the same `vary`
  // values. False when refused (too large, or not admitted).
  virtual bool insert(ObjectPtr obj) = 0;
  // Replaces `old` (if still stored) by `updated` (same key and vary;
  // after a 304 or a soft purge); no admission check. False if `old` is
  // gone.
  virtual bool replace(const ObjectPtr& old, ObjectPtr updated) = 0;
  // Removes every variant under `key` (invalidation after an unsafe
  // method, RFC 9111 4.4). Returns the number removed.
  virtual std::size_t erase(std::string_view key) = 0;

  // Purges (memory and disk). `url`: objects whose Object::url equals it.
  // `prefix`: objects whose url starts with it; a prefix starting with '/'
  // matches the target part of any host's url. Return the count affected.
  virtual std::size_t purge_tag(std::string_view tag, PurgeMode mode) = 0;
  virtual std::size_t purge_url(std::string_view url, PurgeMode mode) = 0;
  virtual std::size_t purge_prefix(std::string_view prefix, PurgeMode mode) = 0;
  virtual std::size_t purge_all(PurgeMode mode) = 0;

  // Tags with their object counts (admin), at most `limit`, by count.
  virtual std::vector<std::pair<std::string, std::uint64_t>> tags(std::size_t limit) = 0;
  virtual StoreStats stats() const = 0;

  // New limits (reload). Shrinking evicts; a new policy or disk path
  // applies to objects stored from now on (documented in docs/cache.md).
  virtual void reconfigure(const config::CacheStorage& cfg) = 0;
};

// The process's store, created on first use with the running config's
// CacheStorage (server/ calls set_process_store on start and
// reconfigure() on reload); null when no route is cached.
std::shared_ptr<Store> process_store();
void set_process_store(std::shared_ptr<Store> s);

}  // namespace strata::cache
