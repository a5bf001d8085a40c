// The request filters of a route's `security:` section, in the order they
// run (config/security.hpp RouteSecurity): access (allow/deny), then the
// others as they are built. The pipeline puts them first in the route's
// chain (filter::build_route_chain's `first`), so filter/ need not know
// security/. Built once per configuration generation.
#pragma once
#include <memory>
#include <vector>

#include "config/config.hpp"
#include "filter/filter.hpp"

namespace strata::security {

std::vector<std::shared_ptr<const filter::Filter>> route_filters(const config::Route& r);

}  // namespace strata::security
