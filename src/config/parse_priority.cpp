// A route's `priority:` (config/delivery.hpp, docs/delivery.md): the RFC 9218
// default of the route's responses when the request has no `priority` field.
//   priority: high | normal | low | background     (urgency 1, 3, 5, 7)
//   priority: {urgency: 0..7, incremental: false}
#include <fmt/format.h>

#include "config/parse.hpp"

namespace strata::config::detail {

RoutePriority parse_priority(const Doc& d, const Val& v) {
  RoutePriority p;
  if (v.node.IsScalar()) {
    const auto s = as_enum(d, v, "priority", {"high", "normal", "low", "background"});
    p.urgency = s == "high" ? 1 : s == "normal" ? 3 : s == "low" ? 5 : 7;
    return p;
  }
  MapReader m(d, v, "priority", {"urgency", "incremental"});
  opt_uint(m, "urgency", p.urgency, 0, 7);
  opt_bool(m, "incremental", p.incremental);
  return p;
}

}  // namespace strata::config::detail
