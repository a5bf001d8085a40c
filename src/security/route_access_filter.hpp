// A route's allow/deny list (RouteSecurity::access) as a request_post_route
// filter: a client address (ctx.client_ip, so after trusted X-Forwarded-For)
// refused by the list gets 403 "forbidden: client address not allowed"
// (reason "access-denied") and counts in
// strata_security_access_denied_total{where="route"}. Immutable, shared.
#pragma once
#include "filter/filter.hpp"
#include "security/ip_access.hpp"

namespace strata::obs {
class Counter;
}

namespace strata::security {

class RouteAccessFilter final : public filter::Filter {
 public:
  explicit RouteAccessFilter(const config::IpAccess& access);
  std::string_view name() const override { return "access"; }
  filter::PhaseMask phases() const override { return filter::bit(filter::Phase::request_post_route); }
  filter::LocalReply on_request(filter::Phase, http::Exchange& ex,
                                http::RequestContext& ctx) const override;

 private:
  IpAccessList list_;
  obs::Counter* denied_;
};

// The counter for refusals `where` = "listener" | "route".
obs::Counter& access_denied_counter(std::string_view where);

}  // namespace strata::security
