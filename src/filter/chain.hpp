// An ordered list of filters, indexed by phase: a listener has one chain, a
// route has one. Built once per configuration generation (filter/
// chain_builder.hpp) and immutable afterwards; shared by all workers.
//
// The run_* helpers run one phase over the listener chain and the route
// chain of a request in the documented order: request phases listener then
// route, response and log phases route then listener (filter/filter.hpp).
// Either chain may be null (no route matched yet, no listener filters).
#pragma once
#include <array>
#include <memory>
#include <span>
#include <vector>

#include "filter/filter.hpp"

namespace strata::filter {

class Chain {
 public:
  // Appends `f` to the list of every phase in f->phases().
  void add(std::shared_ptr<const Filter> f);
  std::span<const Filter* const> in(Phase p) const { return by_phase_[std::size_t(p)]; }
  bool has(Phase p) const { return !by_phase_[std::size_t(p)].empty(); }
  std::size_t size() const { return owned_.size(); }
  // The first filter of phase `p` (the one that sees a response first), or
  // null; shared so a user may outlive the chain (the edge cache's
  // background revalidations use a route's compression filter).
  std::shared_ptr<const Filter> first_in(Phase p) const;

 private:
  std::vector<std::shared_ptr<const Filter>> owned_;
  std::array<std::vector<const Filter*>, std::size_t(Phase::count)> by_phase_;
};

// Runs a request phase; the first filter that answers stops it.
LocalReply run_request(Phase p, const Chain* listener, const Chain* route, http::Exchange& ex,
                       http::RequestContext& ctx);
void run_response_head(const Chain* listener, const Chain* route, const http::Request& req,
                       http::RequestContext& ctx, http::Response& r);
void run_local_reply(const Chain* listener, const Chain* route, const http::RequestContext& ctx,
                     http::Response& r);
// Appends the body transforms of this response (route's, then listener's).
void start_body(const Chain* listener, const Chain* route, const http::Request& req,
                http::RequestContext& ctx, http::Response& head,
                std::vector<std::unique_ptr<BodyTransform>>& out);
void run_log(const Chain* listener, const Chain* route, http::Exchange& ex,
             const http::RequestContext& ctx);

}  // namespace strata::filter
