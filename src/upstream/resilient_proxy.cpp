// Upstreams::proxy, the resilient request flow (docs/resilience.md):
//   tiers: primary cluster -> fallback clusters -> [a cache's stale object]
//          -> last-known-good -> static
// Each cluster tier is run by run_tier (tier_runner.cpp: bulkhead, breaker,
// the TryLoop of try_loop.cpp); this file plans the request once (deadline,
// retry policy, tiers), runs the tiers in order and answers from the
// last-known-good store, the static fallback or with the last failure.
// The whole route is bounded by its timeout (or a smaller grpc-timeout).
#include <algorithm>

#include "core/loop_clock.hpp"
#include <chrono>

#include "filter/local_reply.hpp"
#include "http/context.hpp"
#include "upstream/attempt_exchange.hpp"
#include "upstream/grpc_timeout.hpp"
#include "upstream/resilience/lkg_store.hpp"
#include "upstream/stale_answer.hpp"
#include "upstream/tier_runner.hpp"
#include "upstream/upstreams_impl.hpp"

namespace strata::upstream {

namespace asio = boost::asio;
using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

namespace {

using FieldList = std::vector<std::pair<std::string, std::string>>;

FieldList field(FieldList f, std::string_view k, std::string_view v) {
  f.emplace_back(std::string(k), std::string(v));
  return f;
}

// A local reply (filter/local_reply.hpp): `extra` carries x-strata-reason.
asio::awaitable<void> send_simple(http::Exchange& ex, int status, std::string_view body,
                                  std::string_view content_type, const FieldList& extra,
                                  std::string_view reason) {
  co_await filter::send_local_reply(ex, filter::local_reply(status, reason, body, content_type),
                                    extra);
}

// A stored copy of an earlier 200 answer (x-strata-tier: last-known-good).
asio::awaitable<void> send_stored(http::Exchange& ex, const resilience::LkgResponse& hit) {
  if (ex.head_sent()) co_return;
  http::Response r;
  r.status = hit.status;
  for (const auto& [k, v] : hit.headers) r.headers.add(k, v);
  r.headers.set("x-strata-tier", "last-known-good");
  r.headers.set("content-length", std::to_string(hit.body.size()));
  if (auto ec = co_await ex.send_head(r, hit.body.empty()); ec || hit.body.empty()) co_return;
  co_await ex.send_body(std::span<const char>(hit.body.data(), hit.body.size()), true);
}

// Every cluster tier failed: a cache's stale object, the last-known-good
// store, the static fallback, or the failure itself (in a frame of its
// own: the proxied request's common path does not carry this one's state).
asio::awaitable<void> answer_failed(UpstreamsImpl& ups, http::Exchange& ex,
                                    const config::ProxyAction& action, const RequestPlan& plan,
                                    const Failure& fail) {
  const auto* fb = plan.fallback;
  if (!fail.final) {
    // A cache in front (cached route) answers first with its stale object
    // when stale-if-error allows (docs/cache.md, "Stale-if-error and the
    // resilience tiers"); its refusal costs nothing.
    auto* cache = ex.head_sent() ? nullptr : dynamic_cast<StaleAnswer*>(&ex);
    if (cache) {
      auto* ctx = ex.context();
      const auto before = ctx ? ctx->tier : std::string_view();
      if (ctx) ctx->tier = "cache";  // x-strata-tier of the stale answer
      if (co_await cache->answer_stale(fail.status)) {
        if (fb) ups.tier_counter(action.route, "cache").inc();
        co_return;
      }
      if (ctx) ctx->tier = before;
    }
    if (plan.store)
      if (auto hit = plan.store->get(resilience::lkg_key(ex.request(), action), *plan.lkg)) {
        ups.tier_counter(action.route, "last-known-good").inc();
        if (auto* c = ex.context()) c->tier = "last-known-good";
        if (cache) cache->degraded_answer();
        co_await send_stored(ex, *hit);
        co_return;
      }
    if (fb && fb->static_response) {
      const auto& s = *fb->static_response;
      if (cache) cache->degraded_answer();
      ups.tier_counter(action.route, "static").inc();
      if (auto* c = ex.context()) c->tier = "static";
      co_await send_simple(
          ex, s.status, s.body, s.content_type,
          field(field({}, "x-strata-tier", "static"), "x-strata-reason", to_string(fail.reason)),
          to_string(fail.reason));
      co_return;
    }
  }
  auto extra = field({}, "x-strata-reason", to_string(fail.reason));
  if (fail.retry_after.count() > 0)
    extra = field(std::move(extra), "retry-after",
                  std::to_string((fail.retry_after.count() + 999) / 1000));
  co_await send_simple(ex, fail.status, fail.body, "text/plain", extra, to_string(fail.reason));
}

}  // namespace

std::shared_ptr<ClusterState> UpstreamsImpl::cluster_state(std::string_view name) const {
  auto it = clusters_.find(name);
  return it == clusters_.end() ? nullptr : it->second;
}

obs::Counter& UpstreamsImpl::tier_counter(const std::string& route, std::string_view tier) {
  auto key = route + '\n' + std::string(tier);
  auto it = tier_counters_.find(key);
  if (it == tier_counters_.end())
    it = tier_counters_
             .emplace(key, &obs::counter("strata_degradation_tier_total",
                                         "Responses by degradation tier",
                                         {{"route", route}, {"tier", std::string(tier)}}))
             .first;
  return *it->second;
}

asio::awaitable<void> UpstreamsImpl::proxy(http::Exchange& ex, const config::ProxyAction& action,
                                           std::string_view matched_prefix) {
  // `action` lives in the configuration generation the caller holds (the
  // connection's snapshot, a background revalidation's owner); the cluster
  // states keep copies of their own configuration. Only the route timeout
  // is read from the current generation, here: no copy of cfg_ (an atomic
  // reference count, twice) per request.
  auto route_timeout = action.timeout.value_or(cfg_ ? cfg_->timeouts.route : milliseconds(60000));
  if (auto g = ex.request().headers.get("grpc-timeout"))
    if (auto d = parse_grpc_timeout(*g)) route_timeout = std::min(route_timeout, *d);

  RequestPlan plan;
  plan.action = &action;
  plan.matched_prefix = matched_prefix;
  plan.deadline = core::LoopClock::steady() + route_timeout;
  plan.retry = action.retry ? &*action.retry : nullptr;
  plan.per_try = plan.retry && plan.retry->per_try_timeout ? plan.retry->per_try_timeout
                                                           : action.per_try_timeout;
  plan.fallback = action.fallback ? &*action.fallback : nullptr;
  const auto* fb = plan.fallback;
  std::shared_ptr<resilience::LkgStore> lkg;  // process-wide (the edge cache's store)
  if (fb && fb->last_known_good && ex.request().method == "GET") lkg = resilience::lkg_store();
  if (lkg) plan.store = lkg.get(), plan.lkg = &*fb->last_known_good;
  plan.idempotent = pool::idempotent(ex.request().method);

  // Tier t's cluster: the action's, then the fallback's (no list built per request).
  const std::size_t tiers = 1 + (fb ? fb->clusters.size() : 0);
  const auto cluster_of = [&action, fb](std::size_t t) -> std::string_view {
    return t == 0 ? std::string_view(action.cluster) : std::string_view(fb->clusters[t - 1]);
  };
  const bool more_after_clusters = plan.store || (fb && fb->static_response);

  AttemptExchange aex(ex);
  Failure fail;
  for (std::size_t t = 0; t < tiers; ++t) {
    TierSpec tier;
    tier.cluster = cluster_of(t);
    tier.name = t == 0 ? "primary" : "secondary";
    tier.more_after = t + 1 < tiers || more_after_clusters;
    if (auto* c = ex.context())  // names from the config snapshot: they outlive the request
      c->cluster = tier.cluster, c->tier = tier.name, c->tier_header = fb != nullptr;
    auto r = co_await run_tier(*this, plan, tier, ex, aex);
    if (r.result != TierResult::failed) co_return;
    fail = r.failure;
    if (fail.final || !aex.replayable()) break;
  }

  co_await answer_failed(*this, ex, action, plan, fail);
}

}  // namespace strata::upstream
