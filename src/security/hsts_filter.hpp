// HSTS (RFC 6797) as a route response_head filter (route security.hsts):
// sets Strict-Transport-Security: max-age=N[; includeSubDomains][; preload]
// on every response of the route sent over TLS (request scheme https),
// local replies included; never on cleartext responses (RFC 6797 7.2).
// Thread: immutable; shared by all workers.
#pragma once
#include <string>

#include "config/security.hpp"
#include "filter/filter.hpp"

namespace strata::security {

class HstsFilter final : public filter::Filter {
 public:
  explicit HstsFilter(const config::Hsts& h);
  std::string_view name() const override { return "hsts"; }
  filter::PhaseMask phases() const override { return filter::bit(filter::Phase::response_head); }
  void on_response_head(const http::Request& req, http::RequestContext& ctx,
                        http::Response& r) const override;
  const std::string& value() const { return value_; }

 private:
  std::string value_;
};

}  // namespace strata::security
