// TEMPORARY scaffold (session 7 contract): the owning helper replaces this file.
#include "config/parse.hpp"

namespace strata::config::detail {

std::vector<RateLimit> parse_rate_limits(const Doc& d, const Val& v) {
  d.fail(v.loc, "rate_limits: not built yet");
}

}  // namespace strata::config::detail
