// TEMPORARY scaffold (session 7 contract): the owning helper replaces this file.
#include "config/parse.hpp"

namespace strata::config::detail {

void parse_security(const Doc& d, const Val& v, Config& c) {
  (void)c;
  d.fail(v.loc, "security: not built yet");
}

}  // namespace strata::config::detail
