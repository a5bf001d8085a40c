// TEMPORARY scaffold (session 7 contract): the owning helper replaces this file.
#include "config/parse.hpp"

namespace strata::config::detail {

RouteJwt parse_route_jwt(const Doc& d, const Val& v) {
  d.fail(v.loc, "jwt: not built yet");
}

Hsts parse_hsts(const Doc& d, const Val& v) {
  d.fail(v.loc, "hsts: not built yet");
}

ClientCertificates parse_client_certificates(const Doc& d, const Val& v) {
  d.fail(v.loc, "client_certificates: not built yet");
}

}  // namespace strata::config::detail
