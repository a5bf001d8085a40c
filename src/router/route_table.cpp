#include "router/route_table.hpp"

namespace strata::router {

CompiledRoute::CompiledRoute(const config::Route& r, std::string n, std::size_t i)
    : route(&r), name(std::move(n)), index(i), matcher(r.match, r.loc) {}

RouteTable::RouteTable(const std::vector<config::Route>& routes, std::string_view table_name) {
  routes_.reserve(routes.size());
  for (std::size_t i = 0; i < routes.size(); ++i) {
    const auto& r = routes[i];
    std::string name = r.name.empty() ? std::string(table_name) + "#" + std::to_string(i) : r.name;
    routes_.push_back(std::make_unique<CompiledRoute>(r, std::move(name), i));
  }
}

RouteMatch RouteTable::match(const http::Request& req) const {
  auto host = host_of(req.authority);
  auto path = req.path();
  for (const auto& r : routes_) {
    if (r->matcher.matches(req, host, path)) return {r.get(), r->matcher.matched_prefix(path)};
  }
  return {};
}

}  // namespace strata::router
