// A route's `priority:` (config/delivery.hpp).
// SCAFFOLD (issue 14 contract): the priorities branch writes the parser.
#include "config/parse.hpp"

namespace strata::config::detail {

RoutePriority parse_priority(const Doc& d, const Val& v) {
  (void)d, (void)v;
  return RoutePriority{};
}

}  // namespace strata::config::detail
