#include "security/listener_gate.hpp"

#include "obs/metrics.hpp"
#include "security/route_access_filter.hpp"

namespace strata::security {

ListenerGate::ListenerGate(const config::Listener& l)
    : listener_(l.name), access_(l.security.access), limit_(l.security.connections) {
  const auto& c = l.security.client;
  proxy_ = c.proxy_protocol != "off";
  versions_ = c.proxy_protocol == "v1"   ? ProxyVersions::v1
              : c.proxy_protocol == "v2" ? ProxyVersions::v2
                                         : ProxyVersions::any;
  proxy_timeout_ = c.proxy_protocol_timeout;
  if (limit_.max_per_prefix) limiter_ = ConnectionLimiter::for_listener(l.name);
}

ListenerGate::Verdict ListenerGate::admit(std::string_view client_ip,
                                          ConnectionLimiter::Ticket& ticket) const {
  if (access_.empty() && !limiter_) return Verdict::ok;
  const auto a = parse_ip(client_ip);
  if (!access_.empty() && (!a || !access_.allowed(*a))) {
    static obs::Counter& denied = access_denied_counter("listener");
    denied.inc();
    return Verdict::denied;
  }
  if (limiter_ && a && limiter_->acquire(*a, limit_, ticket) == ConnectionLimiter::Verdict::refused)
    return Verdict::limited;
  return Verdict::ok;
}

bool ListenerGate::access_allowed(std::string_view client_ip) const {
  if (access_.empty() || access_.allowed(client_ip)) return true;
  access_denied_counter("listener").inc();
  return false;
}

void ListenerGate::proxy_error(std::string_view reason) const {
  obs::counter("strata_security_proxy_protocol_errors_total",
               "Connections closed because their PROXY protocol header was missing, malformed "
               "or late",
               {{"listener", listener_}, {"reason", std::string(reason)}})
      .inc();
}

std::shared_ptr<const ListenerGate> make_listener_gate(const config::Listener& l) {
  const auto& s = l.security;
  if (s.client.proxy_protocol == "off" && s.access.empty() && s.connections.max_per_prefix == 0)
    return nullptr;
  return std::make_shared<const ListenerGate>(l);
}

}  // namespace strata::security
