#include "filter/access_log_filter.hpp"

#include <chrono>

#include "obs/access_log.hpp"

namespace strata::filter {

void fill_access_record(http::Exchange& ex, const http::RequestContext& ctx,
                        obs::AccessRecord& rec) {
  const auto& req = ex.request();
  const auto& ci = ex.conn();
  rec.time = ctx.time.start_wall();
  rec.duration_us = std::uint64_t(
      std::chrono::duration_cast<std::chrono::microseconds>(ctx.time.end - ctx.time.start).count());
  rec.bytes_sent = ctx.bytes_sent;
  rec.bytes_received = ctx.bytes_received;
  rec.status = ctx.status;
  rec.peer_port = ci.peer_port;
  // The client address (after PROXY and trusted X-Forwarded-For).
  rec.peer_ip.assign(ctx.client_ip.empty() ? std::string_view(ci.peer_ip) : ctx.client_ip.view());
  rec.protocol.assign(http::protocol_name(req.protocol));
  rec.method.assign(req.method);
  rec.scheme.assign(req.scheme);
  rec.authority.assign(req.authority);
  rec.target.assign(req.target);
  rec.listener.assign(ctx.listener);
  rec.route.assign(ctx.route);
  rec.user_agent.assign(req.headers.get("user-agent").value_or(""));
  rec.referer.assign(req.headers.get("referer").value_or(""));
  rec.request_id.assign(ctx.request_id.view());
  rec.trace_id.assign(ctx.trace_id());
  rec.cluster.assign(ctx.cluster);
  rec.tier.assign(ctx.tier);
  rec.reason.assign(ctx.local_reason.view());
  for (std::size_t i = 0; i < rec.slots.size(); ++i) rec.slots[i].assign(ctx.get(http::Slot(i)));
}

void AccessLogFilter::on_log(http::Exchange& ex, const http::RequestContext& ctx) const {
  auto& log = obs::AccessLogger::global();
  if (!log.enabled()) return;
  obs::AccessRecord rec;
  fill_access_record(ex, ctx, rec);
  log.submit(rec);
}

}  // namespace strata::filter
