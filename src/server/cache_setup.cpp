#include "server/cache_setup.hpp"

#include <spdlog/spdlog.h>

#include "cache/body.hpp"
#include "cache/store.hpp"
#include "core/clock.hpp"

namespace strata::server {

bool any_route_cached(const config::Config& cfg) {
  for (const auto& [name, routes] : cfg.route_tables)
    for (const auto& r : routes)
      if (r.cache) return true;
  return false;
}

void configure_cache_store(const config::Config& cfg) {
  auto store = cache::process_store();
  if (!any_route_cached(cfg)) {
    if (store) {
      spdlog::info("cache: no cached route; the store is released");
      cache::set_process_store(nullptr);
    }
    return;
  }
  // Bodies made from now on (cache/body.hpp); existing ones keep their form.
  cache::set_body_files(cfg.cache.zero_copy_min_bytes, cfg.cache.zero_copy_max_files);
  if (store) {
    store->reconfigure(cfg.cache);
    spdlog::info("cache: store reconfigured: {} bytes in memory, policy {}", cfg.cache.memory_bytes,
                 cfg.cache.policy);
    return;
  }
  cache::set_process_store(cache::Store::create(cfg.cache, core::SystemWallClock::instance()));
  spdlog::info("cache: store of {} bytes in memory, policy {}", cfg.cache.memory_bytes, cfg.cache.policy);
}

}  // namespace strata::server
