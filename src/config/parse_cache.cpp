// A route's `cache:` policy (docs/cache.md, config/cache.hpp).
// SCAFFOLD (issue 14 contract): the cache-http branch writes the parser.
#include "config/parse.hpp"

namespace strata::config::detail {

RouteCache parse_route_cache(const Doc& d, const Val& v) {
  (void)d, (void)v;
  return RouteCache{};
}

}  // namespace strata::config::detail
