#include "security/route_filters.hpp"

#include "security/route_access_filter.hpp"

namespace strata::security {

std::vector<std::shared_ptr<const filter::Filter>> route_filters(const config::Route& r) {
  std::vector<std::shared_ptr<const filter::Filter>> out;
  if (!r.security.access.empty()) out.push_back(std::make_shared<RouteAccessFilter>(r.security.access));
  return out;
}

}  // namespace strata::security
