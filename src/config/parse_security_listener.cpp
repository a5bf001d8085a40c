// TEMPORARY scaffold (session 7 contract): the owning helper replaces this file.
#include "config/parse.hpp"

namespace strata::config::detail {

ListenerSecurity parse_listener_security(const Doc& d, const Val& v) {
  d.fail(v.loc, "listener security: not built yet");
}

IpAccess parse_ip_access(const Doc& d, const Val& v) {
  d.fail(v.loc, "access: not built yet");
}

}  // namespace strata::config::detail
