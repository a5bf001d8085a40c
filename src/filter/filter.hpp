// One filter of the phased filter chain (docs/architecture.md, "Filter
// phases"). A filter hooks into one or more phases of a request:
//
//   request_pre_route   request head, before routing (request id, trace,
//                       listener header edits: routes may match on them)
//   request_post_route  request head, route chosen (route header edits,
//                       the 0-RTT rule); ctx.route is set
//   response_head       response head, before it goes out (route then
//                       listener response edits, Alt-Svc, x-strata-tier)
//   response_body       streaming transform of the response body (room for
//                       compression): see BodyTransform
//   log                 after the handler: metrics, access log
//   local_reply         head of a response strata generated itself
//                       (filter/local_reply.hpp), before response_head
//
// Request phases run the listener's filters then the route's; response and
// log phases run the route's then the listener's (onion order). Filters are
// immutable once built, shared by every request and by several workers:
// per-request state lives in the RequestContext (or in a BodyTransform).
// Hooks are synchronous and must not block.
#pragma once
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>

#include "filter/local_reply.hpp"
#include "http/context.hpp"
#include "http/exchange.hpp"

namespace strata::filter {

enum class Phase : std::uint8_t {
  request_pre_route,
  request_post_route,
  response_head,
  response_body,
  log,
  local_reply,
  count
};

using PhaseMask = std::uint8_t;
constexpr PhaseMask bit(Phase p) { return PhaseMask(1u << unsigned(p)); }

// Per-response state of a body transform, created when the head goes out.
class BodyTransform {
 public:
  virtual ~BodyTransform() = default;
  // Transforms one piece of the body. Returns the bytes to pass on: `in`
  // itself, or a view into `out` (which the transform may fill; it stays
  // valid until the next call). With `end_stream` the transform flushes
  // what it holds. Returning empty bytes without end_stream is fine.
  virtual std::span<const char> transform(std::span<const char> in, bool end_stream,
                                          std::string& out) = 0;
};

class Filter {
 public:
  virtual ~Filter() = default;
  virtual std::string_view name() const = 0;
  virtual PhaseMask phases() const = 0;

  // request_pre_route / request_post_route (`phase` says which). A reply
  // with status != 0 ends the request phases: strata answers it locally and
  // the action is not run.
  virtual LocalReply on_request(Phase phase, http::Exchange& ex, http::RequestContext& ctx) const {
    (void)phase, (void)ex, (void)ctx;
    return {};
  }
  // response_head: edit `r` before it is sent.
  virtual void on_response_head(const http::Request& req, http::RequestContext& ctx,
                                http::Response& r) const {
    (void)req, (void)ctx, (void)r;
  }
  // response_body: a transform for this response, or null (pass through).
  // May edit the head (e.g. drop content-length when the length changes).
  virtual std::unique_ptr<BodyTransform> on_response_body(const http::Request& req,
                                                          http::RequestContext& ctx,
                                                          http::Response& head) const {
    (void)req, (void)ctx, (void)head;
    return nullptr;
  }
  // log: the request is over (ctx.status 0: no response head was sent).
  virtual void on_log(http::Exchange& ex, const http::RequestContext& ctx) const {
    (void)ex, (void)ctx;
  }
  // local_reply: edit the head of a response strata generated itself.
  virtual void on_local_reply(const http::RequestContext& ctx, http::Response& r) const {
    (void)ctx, (void)r;
  }
};

}  // namespace strata::filter
