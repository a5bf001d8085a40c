// The top-level `cache:` storage (docs/cache.md, config/cache.hpp).
// SCAFFOLD (issue 14 contract): the cache-store branch writes the parser.
#include "config/parse.hpp"

namespace strata::config::detail {

CacheStorage parse_cache_storage(const Doc& d, const Val& v) {
  (void)d, (void)v;
  return CacheStorage{};
}

}  // namespace strata::config::detail
