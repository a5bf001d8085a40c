#include "security/route_access_filter.hpp"

#include "obs/metrics.hpp"

namespace strata::security {

obs::Counter& access_denied_counter(std::string_view where) {
  return obs::counter("strata_security_access_denied_total",
                      "Clients refused by an allow/deny list (listener: at accept, before TLS; "
                      "route: 403)",
                      {{"where", std::string(where)}});
}

RouteAccessFilter::RouteAccessFilter(const config::IpAccess& access)
    : list_(access), denied_(&access_denied_counter("route")) {}

filter::LocalReply RouteAccessFilter::on_request(filter::Phase, http::Exchange&,
                                                 http::RequestContext& ctx) const {
  if (list_.allowed(ctx.client_ip.view())) return {};
  denied_->inc();
  return filter::local_reply(403, "access-denied", "forbidden: client address not allowed\n");
}

}  // namespace strata::security
