#include "filter/chain.hpp"

namespace strata::filter {

void Chain::add(std::shared_ptr<const Filter> f) {
  const PhaseMask m = f->phases();
  for (std::size_t p = 0; p < std::size_t(Phase::count); ++p)
    if (m & bit(Phase(p))) by_phase_[p].push_back(f.get());
  owned_.push_back(std::move(f));
}

std::shared_ptr<const Filter> Chain::first_in(Phase p) const {
  const auto& v = by_phase_[std::size_t(p)];
  if (v.empty()) return nullptr;
  for (const auto& f : owned_)
    if (f.get() == v.front()) return f;
  return nullptr;
}

LocalReply run_request(Phase p, const Chain* listener, const Chain* route, http::Exchange& ex,
                       http::RequestContext& ctx) {
  for (const Chain* c : {listener, route}) {
    if (!c) continue;
    for (const Filter* f : c->in(p))
      if (auto r = f->on_request(p, ex, ctx)) return r;
  }
  return {};
}

void run_response_head(const Chain* listener, const Chain* route, const http::Request& req,
                       http::RequestContext& ctx, http::Response& r) {
  for (const Chain* c : {route, listener})
    if (c)
      for (const Filter* f : c->in(Phase::response_head)) f->on_response_head(req, ctx, r);
}

void run_local_reply(const Chain* listener, const Chain* route, const http::RequestContext& ctx,
                     http::Response& r) {
  for (const Chain* c : {route, listener})
    if (c)
      for (const Filter* f : c->in(Phase::local_reply)) f->on_local_reply(ctx, r);
}

void start_body(const Chain* listener, const Chain* route, const http::Request& req,
                http::RequestContext& ctx, http::Response& head,
                std::vector<std::unique_ptr<BodyTransform>>& out) {
  for (const Chain* c : {route, listener})
    if (c)
      for (const Filter* f : c->in(Phase::response_body))
        if (auto t = f->on_response_body(req, ctx, head)) out.push_back(std::move(t));
}

void run_log(const Chain* listener, const Chain* route, http::Exchange& ex,
             const http::RequestContext& ctx) {
  for (const Chain* c : {route, listener})
    if (c)
      for (const Filter* f : c->in(Phase::log)) f->on_log(ex, ctx);
}

}  // namespace strata::filter
