// One purge request (docs/cache.md "Purging"): what the admin API's
// POST /cache/purge takes and what the purge bus (cache/purge_bus.hpp)
// carries between nodes, its JSON form, and applying it to a Store.
// Every applied item counts in strata_cache_purges_total{kind} (kind: tag,
// url, prefix, all), on the node that applies it (a purge broadcast to
// three nodes counts once on each). Pure data + functions; any thread.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace strata::cache {

class Store;

struct PurgeRequest {
  std::vector<std::string> tags;
  std::vector<std::string> urls;      // Object::url equal
  std::vector<std::string> prefixes;  // Store::purge_prefix
  bool all = false;
  bool soft = false;                  // invalidate (serve only after revalidation) instead of remove
  bool empty() const { return tags.empty() && urls.empty() && prefixes.empty() && !all; }
};

// Objects affected, per kind of item (summed over the items of that kind).
struct PurgeCounts {
  std::uint64_t tags = 0, urls = 0, prefixes = 0, all = 0;
  std::uint64_t total() const { return tags + urls + prefixes + all; }
};

// At most this many items (tags + urls + prefixes) in one request.
inline constexpr std::size_t kMaxPurgeItems = 10000;

// Parses {"tags":[..],"urls":[..],"prefixes":[..],"all":bool,"soft":bool}
// (every member optional, unknown members refused). On error returns
// nullopt and sets `error` (a sentence for a 400 answer). An empty request
// (nothing to purge) is an error; so are empty strings.
std::optional<PurgeRequest> parse_purge_json(std::string_view body, std::string& error);

// The JSON form (members in the order above); `node` added as "node"
// when not empty (the purge bus's sender id).
std::string purge_json(const PurgeRequest& r, std::string_view node = {});

// Applies `r` to `store` (all first, then tags, urls, prefixes) and counts
// the metric. Thread: any (the Store is thread-safe).
PurgeCounts apply_purge(Store& store, const PurgeRequest& r);

// Counts strata_cache_purges_total{kind} for the items of `r`.
void count_purge_items(const PurgeRequest& r);
// Registers the four series at 0 (idempotent).
void register_purge_metrics();

}  // namespace strata::cache
