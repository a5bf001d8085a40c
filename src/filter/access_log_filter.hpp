// The access log as a listener log filter: when obs::AccessLogger::global()
// is enabled, one AccessRecord per request, filled from the exchange's
// request (method, target, user agent, ...) and the request context
// (request id, trace id, route, cluster, tier, status, bytes, timings,
// local reply reason, extension slots). No allocation.
#pragma once
#include <string>

#include "filter/filter.hpp"

namespace strata::obs {
struct AccessRecord;
}

namespace strata::filter {

class AccessLogFilter final : public Filter {
 public:
  std::string_view name() const override { return "access_log"; }
  PhaseMask phases() const override { return bit(Phase::log); }
  void on_log(http::Exchange& ex, const http::RequestContext& ctx) const override;
};

// The record for one request (what the filter submits).
void fill_access_record(http::Exchange& ex, const http::RequestContext& ctx,
                        obs::AccessRecord& rec);

}  // namespace strata::filter
