// A route's `early_hints:` (config/delivery.hpp).
// SCAFFOLD (issue 14 contract): the early-hints branch writes the parser.
#include "config/parse.hpp"

namespace strata::config::detail {

EarlyHints parse_early_hints(const Doc& d, const Val& v) {
  (void)d, (void)v;
  return EarlyHints{};
}

}  // namespace strata::config::detail
