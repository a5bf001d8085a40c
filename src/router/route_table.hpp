// A compiled route table: config::Route list -> matchers, first match wins.
// Built once per configuration snapshot (the config must outlive the table:
// routes point into it); immutable afterwards and safe to share.
#pragma once
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "config/config.hpp"
#include "http/message.hpp"
#include "router/matchers.hpp"

namespace strata::router {

struct CompiledRoute {
  const config::Route* route = nullptr;  // into the snapshot
  std::string name;                      // route.name or "<table>#<index>"
  std::size_t index = 0;                 // position in the table
  RequestMatcher matcher;
  // (Header edits are filters: filter/header_edits.hpp.)

  CompiledRoute(const config::Route& r, std::string n, std::size_t i);
};

struct RouteMatch {
  const CompiledRoute* route = nullptr;  // null: no route matched
  std::string_view matched_prefix;       // view into the table (see PathMatcher)
  explicit operator bool() const { return route != nullptr; }
};

class RouteTable {
 public:
  // Throws RouteError when a route does not compile.
  RouteTable(const std::vector<config::Route>& routes, std::string_view table_name);
  RouteTable(const RouteTable&) = delete;
  RouteTable& operator=(const RouteTable&) = delete;

  // First route whose conditions all hold. No allocation.
  RouteMatch match(const http::Request& req) const;
  const std::vector<std::unique_ptr<CompiledRoute>>& routes() const { return routes_; }
 private:
  std::vector<std::unique_ptr<CompiledRoute>> routes_;
};

}  // namespace strata::router
