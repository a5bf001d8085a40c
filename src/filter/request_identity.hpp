// The request_pre_route filter that gives a request its identity, once:
// ctx.request_id (the client's x-request-id when valid, else a new UUIDv4)
// and ctx.traceparent (the client's trace continued with a new strata span
// id, or a new trace). The proxy sends both unchanged on every try and tier
// (upstream/request_builder.cpp); the access log writes them. The
// downstream request's headers are not changed. Always on, first in every
// listener chain. Randomness: a per-thread generator seeded from
// std::random_device.
#pragma once
#include "filter/filter.hpp"

namespace strata::filter {

class RequestIdentity final : public Filter {
 public:
  std::string_view name() const override { return "request_identity"; }
  PhaseMask phases() const override { return bit(Phase::request_pre_route); }
  LocalReply on_request(Phase, http::Exchange& ex, http::RequestContext& ctx) const override;
};

// Fills ctx.request_id and ctx.traceparent from `req` (what the filter does).
void assign_identity(const http::Request& req, http::RequestContext& ctx);

}  // namespace strata::filter
