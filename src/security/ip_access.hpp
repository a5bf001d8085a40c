// A compiled allow/deny list (config::IpAccess): a client in `deny` is
// refused; when `allow` is not empty, a client not in it is refused too.
// Immutable once built; shared by every worker.
#pragma once
#include <string_view>

#include "config/security.hpp"
#include "security/ip.hpp"

namespace strata::security {

class IpAccessList {
 public:
  IpAccessList() = default;
  explicit IpAccessList(const config::IpAccess& a) : allow_(a.allow), deny_(a.deny) {}
  bool empty() const { return allow_.empty() && deny_.empty(); }
  bool allowed(const IpAddr& a) const {
    if (deny_.contains(a)) return false;
    return allow_.empty() || allow_.contains(a);
  }
  // Text form; an address that does not parse is refused unless the list is empty.
  bool allowed(std::string_view ip) const {
    if (empty()) return true;
    const auto a = parse_ip(ip);
    return a && allowed(*a);
  }

 private:
  CidrSet allow_, deny_;
};

}  // namespace strata::security
