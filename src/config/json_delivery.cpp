#include "config/json_delivery.hpp"

#include "core/units.hpp"

namespace strata::config::detail {

using json = nlohmann::ordered_json;

namespace {
std::string dur(std::chrono::milliseconds d) { return core::format_duration(d); }
}  // namespace

json cache_storage_json(const CacheStorage& c) {
  json j;
  j["memory_bytes"] = c.memory_bytes;
  j["max_object_bytes"] = c.max_object_bytes;
  j["policy"] = c.policy;
  if (c.disk) {
    json d;
    d["path"] = c.disk->path;
    d["max_bytes"] = c.disk->max_bytes;
    d["max_object_bytes"] = c.disk->max_object_bytes;
    j["disk"] = d;
  }
  j["purge_channel"] = c.purge_channel;
  j["zero_copy_min_bytes"] = c.zero_copy_min_bytes;
  j["zero_copy_max_files"] = c.zero_copy_max_files;
  j["zero_copy_storage"] = c.zero_copy_storage;
  if (!c.zero_copy_dir.empty()) j["zero_copy_dir"] = c.zero_copy_dir;
  return j;
}

json route_cache_json(const RouteCache& c) {
  json j;
  if (c.ttl) j["ttl"] = dur(*c.ttl);
  j["heuristic"] = c.heuristic;
  j["heuristic_max"] = dur(c.heuristic_max);
  j["vary"] = c.vary;
  json k;
  k["headers"] = c.key.headers;
  k["cookies"] = c.key.cookies;
  k["client_prefix"] = c.key.client_prefix;
  k["query"] = c.key.query;
  j["key"] = k;
  j["stale_while_revalidate"] = dur(c.stale_while_revalidate);
  j["stale_if_error"] = dur(c.stale_if_error);
  j["tags"] = c.tags;
  j["private"] = c.private_;
  j["coalesce"] = c.coalesce;
  j["coalesce_timeout"] = dur(c.coalesce_timeout);
  j["max_object_bytes"] = c.max_object_bytes;
  j["strip_tag_headers"] = c.strip_tag_headers;
  j["name"] = c.name;
  return j;
}

json compression_json(const CompressionConfig& c) {
  json j;
  j["encodings"] = c.encodings;
  j["min_length"] = c.min_length;
  j["types"] = c.types;
  json l;
  l["gzip"] = c.gzip_level;
  l["br"] = c.br_level;
  l["zstd"] = c.zstd_level;
  j["levels"] = l;
  return j;
}

json early_hints_json(const EarlyHints& e) {
  json j;
  j["links"] = e.links;
  j["relay"] = e.relay;
  j["remember"] = e.remember;
  j["remember_max_urls"] = e.remember_max_urls;
  return j;
}

json priority_json(const RoutePriority& p) {
  json j;
  j["urgency"] = p.urgency;
  j["incremental"] = p.incremental;
  return j;
}

}  // namespace strata::config::detail
