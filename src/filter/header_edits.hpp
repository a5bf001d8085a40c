// Header edits as a filter: fields removed, then set (replacing any value),
// on the request (in `request_phase`) and on the response head. Route
// edits (the route keys request_headers / response_headers and route
// `filters: [{headers: ...}]`) edit the request after routing; listener
// edits (`filters:` on a listener) edit it before routing, so routes can
// match on them (docs/config.md).
#pragma once
#include "config/config.hpp"
#include "filter/filter.hpp"

namespace strata::filter {

class HeaderEdits final : public Filter {
 public:
  HeaderEdits(config::HeaderEdits edits, Phase request_phase);
  std::string_view name() const override { return "headers"; }
  PhaseMask phases() const override { return phases_; }
  LocalReply on_request(Phase, http::Exchange& ex, http::RequestContext& ctx) const override;
  void on_response_head(const http::Request& req, http::RequestContext& ctx,
                        http::Response& r) const override;

 private:
  config::HeaderEdits e_;
  PhaseMask phases_ = 0;
};

}  // namespace strata::filter
