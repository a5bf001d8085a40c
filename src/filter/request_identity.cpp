#include "filter/request_identity.hpp"

#include <array>

#include "filter/forwarding/request_id.hpp"
#include "filter/forwarding/traceparent.hpp"

namespace strata::filter {

namespace {
core::FastRng& rng() {
  thread_local core::FastRng g = core::FastRng::from_device();
  return g;
}
}  // namespace

void assign_identity(const http::Request& req, http::RequestContext& ctx) {
  if (auto in = req.headers.get("x-request-id"); in && forwarding::valid_request_id(*in)) {
    ctx.request_id.assign(*in);
  } else {
    std::array<char, 36> id;
    forwarding::write_request_id(rng(), id);
    ctx.request_id.assign(std::string_view(id.data(), id.size()));
  }
  std::array<char, 55> tp;
  ctx.keep_tracestate = forwarding::next_traceparent(req.headers.get("traceparent"), rng(), tp);
  ctx.traceparent.assign(std::string_view(tp.data(), tp.size()));
}

LocalReply RequestIdentity::on_request(Phase, http::Exchange& ex, http::RequestContext& ctx) const {
  assign_identity(ex.request(), ctx);
  return {};
}

}  // namespace strata::filter
