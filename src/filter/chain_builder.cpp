#include "filter/chain_builder.hpp"

#include <stdexcept>

#include "filter/access_log_filter.hpp"
#include "filter/alt_svc.hpp"
#include "filter/early_data.hpp"
#include "filter/header_edits.hpp"
#include "filter/request_identity.hpp"
#include "filter/request_metrics.hpp"
#include "filter/tier_header.hpp"

namespace strata::filter {

std::shared_ptr<const Filter> make_filter(const config::FilterConfig& fc, Phase request_phase) {
  if (fc.type == "headers") return std::make_shared<HeaderEdits>(fc.headers, request_phase);
  throw std::invalid_argument("unknown filter type '" + fc.type + "'");
}

Chain build_listener_chain(const config::Listener& l, const std::string& alt_svc) {
  Chain c;
  c.add(std::make_shared<RequestIdentity>());
  for (const auto& f : l.filters) c.add(make_filter(f, Phase::request_pre_route));
  if (!alt_svc.empty()) c.add(std::make_shared<AltSvc>(alt_svc));
  c.add(std::make_shared<TierHeader>());
  c.add(std::make_shared<ListenerMetrics>(l.name));
  c.add(std::make_shared<AccessLogFilter>());
  return c;
}

Chain build_route_chain(const config::Route& r, const std::string& route_name) {
  Chain c;
  c.add(std::make_shared<EarlyData>(r.early_data));
  config::HeaderEdits legacy;
  legacy.request_add = r.request_headers_add;
  legacy.request_remove = r.request_headers_remove;
  legacy.response_add = r.response_headers_add;
  legacy.response_remove = r.response_headers_remove;
  auto edits = std::make_shared<HeaderEdits>(std::move(legacy), Phase::request_post_route);
  if (edits->phases()) c.add(std::move(edits));
  for (const auto& f : r.filters) c.add(make_filter(f, Phase::request_post_route));
  c.add(std::make_shared<RouteMetrics>(route_name));
  return c;
}

}  // namespace strata::filter
