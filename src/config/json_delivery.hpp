// Pieces of to_json (config/json.cpp) for the delivery settings: the edge
// cache's storage and route policy, compression, Early Hints and
// priorities, in the shape and key names their parsers read. Internal to
// config/.
#pragma once
#include <nlohmann/json.hpp>

#include "config/cache.hpp"
#include "config/compression.hpp"
#include "config/delivery.hpp"

namespace strata::config::detail {

nlohmann::ordered_json cache_storage_json(const CacheStorage& c);
nlohmann::ordered_json route_cache_json(const RouteCache& c);
nlohmann::ordered_json compression_json(const CompressionConfig& c);
nlohmann::ordered_json early_hints_json(const EarlyHints& e);
nlohmann::ordered_json priority_json(const RoutePriority& p);

}  // namespace strata::config::detail
