// x-strata-tier as a listener response_head filter: when the route has
// fallback tiers (ctx.tier_header, set by the proxy), the response names
// the degradation tier that answered: "primary", "secondary",
// "last-known-good" or "static" (ctx.tier; docs/resilience.md). An error
// strata answers itself after the tiers failed (ctx.local_reason set) was
// answered by no tier and gets no x-strata-tier, except the static tier.
#pragma once
#include "filter/filter.hpp"

namespace strata::filter {

class TierHeader final : public Filter {
 public:
  std::string_view name() const override { return "tier_header"; }
  PhaseMask phases() const override { return bit(Phase::response_head); }
  void on_response_head(const http::Request&, http::RequestContext& ctx,
                        http::Response& r) const override {
    if (!ctx.tier_header || ctx.tier.empty()) return;
    if (!ctx.local_reason.empty() && ctx.tier != "static") return;
    r.headers.set("x-strata-tier", ctx.tier);
  }
};

}  // namespace strata::filter
