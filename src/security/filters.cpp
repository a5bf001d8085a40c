#include "security/filters.hpp"

#include "security/client_cert_filter.hpp"
#include "security/hsts_filter.hpp"
#include "security/route_access_filter.hpp"
#include "security/jwt_filter.hpp"
#include "security/rate_limit_filter.hpp"

namespace strata::security {

FilterList listener_filters(const config::Listener& l) {
  FilterList out;
  if (l.tls && l.tls->client_certificates.mode != "off")
    out.push_back(std::make_shared<ClientCertHeaders>(l.tls->client_certificates));
  return out;
}

FilterList route_filters(const config::Route& r, const std::string& route_name,
                         const config::RedisConfig* redis) {
  FilterList out;
  const auto& s = r.security;
  if (!s.access.empty()) out.push_back(std::make_shared<RouteAccessFilter>(s.access));
  if (!s.require_client_subject.empty())
    out.push_back(std::make_shared<ClientSubject>(s.require_client_subject));
  if (s.jwt) out.push_back(std::make_shared<JwtFilter>(*s.jwt, route_name));
  if (!s.rate_limits.empty()) out.push_back(std::make_shared<RateLimitFilter>(s.rate_limits, route_name, redis));
  if (s.hsts) out.push_back(std::make_shared<HstsFilter>(*s.hsts));
  return out;
}

}  // namespace strata::security
