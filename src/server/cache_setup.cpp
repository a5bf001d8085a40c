#include "server/cache_setup.hpp"

#include <spdlog/spdlog.h>

#include "cache/body.hpp"
#include "cache/lkg_cache.hpp"
#include "cache/store.hpp"
#include "core/clock.hpp"
#include "io/tmpfile_dir.hpp"
#include "upstream/resilience/lkg_store.hpp"

namespace strata::server {

bool any_route_cached(const config::Config& cfg) {
  for (const auto& [name, routes] : cfg.route_tables)
    for (const auto& r : routes)
      if (r.cache) return true;
  return false;
}

bool any_route_keeps_last_known_good(const config::Config& cfg) {
  for (const auto& [name, routes] : cfg.route_tables)
    for (const auto& r : routes)
      if (const auto* p = std::get_if<config::ProxyAction>(&r.action))
        if (p->fallback && p->fallback->last_known_good) return true;
  return false;
}

std::string body_dir_path(const config::Config& cfg) {
  if (cfg.cache.zero_copy_min_bytes == 0 || cfg.cache.zero_copy_storage != "tmpfile") return {};
  if (!cfg.cache.zero_copy_dir.empty()) return cfg.cache.zero_copy_dir;
  return cfg.state_dir + "/cache-bodies";
}

namespace {
// Points cache::make_body at the configured body directory (or memfds),
// reopening it only when the path changes. Main thread.
void configure_body_files(const config::Config& cfg) {
  cache::set_body_files(cfg.cache.zero_copy_min_bytes, cfg.cache.zero_copy_max_files);
  static std::string current;  // the directory in use; "" = memfds
  static bool first = true;
  const std::string want = body_dir_path(cfg);
  if (!first && want == current) return;
  first = false;
  if (want.empty()) {
    cache::set_body_dir(nullptr);
    current.clear();
    return;
  }
  std::string err;
  auto dir = io::TmpfileDir::open(want, err);
  if (!dir) {
    spdlog::warn("cache: large bodies go to memfds: {}", err);
    cache::set_body_dir(nullptr);
    current = want;  // not retried until the path changes
    return;
  }
  if (dir->on_tmpfs())
    spdlog::info("cache: {} is on tmpfs: its body files cost as much to send as memfds", want);
  cache::set_body_dir(std::move(dir));
  current = want;
}
}  // namespace

void configure_cache_store(const config::Config& cfg) {
  // The resilience tiers keep their last-known-good copies in the store.
  if (!upstream::resilience::lkg_store())
    upstream::resilience::set_lkg_store(
        std::make_shared<cache::LkgCache>(core::SystemWallClock::instance()));
  auto store = cache::process_store();
  if (!any_route_cached(cfg) && !any_route_keeps_last_known_good(cfg)) {
    if (store) {  // (the message predates last_known_good; tests wait for it)
      spdlog::info("cache: no cached route; the store is released");
      cache::set_process_store(nullptr);
    }
    return;
  }
  // Bodies made from now on (cache/body.hpp); existing ones keep their form.
  configure_body_files(cfg);
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
