// Internal to the cache layer and its tests: a Store over a disk tier the
// caller supplies (Store::create opens cfg.disk itself with DiskTier::open).
// `disk` may be null (memory only); cfg.disk is then only remembered, so a
// reconfigure() with the same disk settings keeps `disk`.
#pragma once
#include <memory>

#include "cache/disk_tier.hpp"
#include "cache/store.hpp"

namespace strata::cache {

std::shared_ptr<Store> create_store(const config::CacheStorage& cfg, const core::WallClock& clock,
                                    std::unique_ptr<DiskTier> disk);

}  // namespace strata::cache
