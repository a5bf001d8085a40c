// SCAFFOLD (issue 14 contract): the cache-edge branch implements the disk
// tier (cache/disk_tier.hpp). Until then a configured disk tier is refused.
#include "cache/disk_tier.hpp"

#include <stdexcept>

namespace strata::cache {

std::unique_ptr<DiskTier> DiskTier::open(const config::CacheDisk& cfg) {
  throw std::runtime_error("cache disk tier at " + cfg.path + ": not built yet");
}

}  // namespace strata::cache
