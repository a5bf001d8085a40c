// Settings of the edge cache (docs/cache.md): the process-wide storage
// (top-level `cache:`) and a route's policy (route `cache:`, the source's
// `cacheConfig`). Plain data; defaults are the documented ones.
#pragma once
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace strata::config {

// An optional disk tier under `path`: objects evicted from memory (and
// objects too large for memory but within `max_object_bytes`) are written
// there and survive a restart; bounded by `max_bytes`.
struct CacheDisk {
  std::string path;                             // directory (created if missing)
  std::uint64_t max_bytes = 1ull << 30;         // 1 GiB
  std::uint64_t max_object_bytes = 64ull << 20; // larger objects are not written
  bool operator==(const CacheDisk&) const = default;
};

// Top-level `cache:`: one store for the process, shared by every worker and
// every cached route (docs/cache.md, "Storage").
struct CacheStorage {
  std::uint64_t memory_bytes = 256ull << 20;    // bodies + heads + keys
  std::uint64_t max_object_bytes = 8ull << 20;  // larger responses stream through uncached
  // Admission and eviction: "tinylfu" (W-TinyLFU: a small LRU window, a
  // frequency sketch admitting into a segmented LRU main area) or "lru".
  std::string policy = "tinylfu";
  std::optional<CacheDisk> disk;
  // With a top-level `redis:`, purges are published on this channel and
  // applied by every node (empty: purges stay local).
  std::string purge_channel = "strata:cache:purge";
  // Bodies of at least zero_copy_min_bytes (0: none) are kept in files,
  // sent with sendfile(2) on HTTP/1.1 over plain TCP, while fewer than
  // zero_copy_max_files such files (one descriptor each) are alive.
  std::uint64_t zero_copy_min_bytes = 16 * 1024;
  std::uint64_t zero_copy_max_files = 4096;
  // Which files: "tmpfile" (unnamed O_TMPFILE files in zero_copy_dir: page
  // cache of a real filesystem, the cheapest to sendfile; memfds when the
  // directory is unusable) or "memfd" (sealed memfds, shmem).
  std::string zero_copy_storage = "tmpfile";
  // The directory of those files; "" = <state_dir>/cache-bodies.
  std::string zero_copy_dir;
  bool operator==(const CacheStorage&) const = default;
};

// Parts added to the cache key besides method, scheme, host, path and query.
struct CacheKeyParts {
  std::vector<std::string> headers;  // request header names (lower case)
  std::vector<std::string> cookies;  // cookie names
  bool client_prefix = false;        // the client's /24 (v4) or /64 (v6)
  bool query = true;                 // false: the query string is not part of the key
  bool operator==(const CacheKeyParts&) const = default;
};

using CacheDuration = std::chrono::milliseconds;

// Route `cache:`. A route with it stores cacheable responses of its proxy
// action (RFC 9111) and serves them; every response of the route carries
// Cache-Status (RFC 9211).
struct RouteCache {
  // Freshness for a cacheable response that states none (no s-maxage,
  // max-age or Expires). nullopt: the RFC 9111 4.2.2 heuristic (10% of the
  // time since Last-Modified, at most `heuristic_max`), only for statuses
  // that are heuristically cacheable; a response without Last-Modified is
  // then not stored.
  std::optional<CacheDuration> ttl;
  CacheDuration heuristic_max = std::chrono::hours(24);
  bool heuristic = true;
  // Request headers the route always varies on (added to the response's
  // own Vary), e.g. ["accept-encoding"].
  std::vector<std::string> vary;
  CacheKeyParts key;
  // Defaults for responses that carry no stale-while-revalidate /
  // stale-if-error directive (RFC 5861); 0 = none.
  CacheDuration stale_while_revalidate{0};
  CacheDuration stale_if_error{0};
  // Tags added to every object this route stores (besides Surrogate-Key /
  // Cache-Tag from the response).
  std::vector<std::string> tags;
  // true: the source's `private`: this route's responses are never stored
  // (the route still adds Cache-Status: ...; fwd=bypass).
  bool private_ = false;  // YAML key "private"
  // Request coalescing: concurrent misses for one key wait for the first
  // one's response up to `coalesce_timeout`, then go upstream themselves.
  bool coalesce = true;
  CacheDuration coalesce_timeout{5000};
  // Objects larger than this are not stored (0: the storage's limit).
  std::uint64_t max_object_bytes = 0;
  // Strip the response's Surrogate-Key / Cache-Tag / Surrogate-Control
  // before it goes to the client.
  bool strip_tag_headers = true;
  // The name in Cache-Status ("strata" by default).
  std::string name = "strata";
  bool operator==(const RouteCache&) const = default;
};

}  // namespace strata::config
