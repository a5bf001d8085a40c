// The process's edge-cache store across configuration generations
// (cache::process_store(), docs/cache.md "Storage"). Main thread (start and
// reload).
#pragma once
#include "config/config.hpp"

namespace strata::server {

// True when some route of `cfg` has `cache:`.
bool any_route_cached(const config::Config& cfg);

// True when some proxy route of `cfg` has fallback.last_known_good.
bool any_route_keeps_last_known_good(const config::Config& cfg);

// Brings cache::process_store() in line with `cfg`: created (with
// cfg.cache and the system wall clock) when a route is cached or keeps
// last-known-good copies and there is none yet; reconfigured (cfg.cache)
// when there is one; released when no route needs it any more (objects in
// use stay alive with their users). Installs the last-known-good store of
// the resilience tiers over it (cache::LkgCache) on first call.
// A disk tier that cannot be opened is logged and the store runs in memory.
// Large bodies (cache/body.hpp) go to unnamed files in the directory this
// names (cache.zero_copy_dir, default <state_dir>/cache-bodies; opened when
// it changes); one that cannot be used is logged (warn) and they go to
// memfds.
void configure_cache_store(const config::Config& cfg);

// The body directory `cfg` asks for; "" when bodies go to memfds (or none).
std::string body_dir_path(const config::Config& cfg);

}  // namespace strata::server
