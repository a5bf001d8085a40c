#include "filter/early_data.hpp"

#include "obs/metrics.hpp"

namespace strata::filter {

EarlyData::EarlyData(bool route_allows_unsafe)
    : allow_unsafe_(route_allows_unsafe),
      too_early_(&obs::counter("strata_quic_early_data_total", "0-RTT early data decisions",
                               {{"outcome", "too_early"}})) {}

LocalReply EarlyData::on_request(Phase, http::Exchange& ex, http::RequestContext&) const {
  auto& req = ex.request();
  if (!req.early_data) return {};
  if (!allow_unsafe_ && !safe_method(req.method)) {
    too_early_->inc();
    return local_reply(425, "too-early", "too early: retry after the handshake\n");
  }
  req.headers.set("early-data", "1");
  return {};
}

}  // namespace strata::filter
