#include "upstream/cluster_guards.hpp"

#include <algorithm>

#include "upstream/cluster/cluster.hpp"
#include "upstream/cluster/status.hpp"

namespace strata::upstream {

namespace {

int state_num(resilience::BreakerState s) {
  return s == resilience::BreakerState::open ? 1 : s == resilience::BreakerState::half_open ? 2 : 0;
}

resilience::BreakerConfig breaker_config(const config::CircuitBreaker& b) {
  return resilience::BreakerConfig{b.failure_ratio,        b.window,        b.min_requests,
                                   b.consecutive_failures, b.open_duration, b.half_open_probes,
                                   b.close_after};
}

}  // namespace

ClusterGuards::ClusterGuards(const config::Cluster& cfg,
                             std::shared_ptr<cluster::ClusterStatus> status,
                             const core::Clock& clock)
    : status_(std::move(status)),
      clock_(clock),
      breaker_cfg_(cfg.circuit_breaker),
      per_endpoint_(cfg.circuit_breaker && cfg.circuit_breaker->per_endpoint),
      bulkhead_(resilience::BulkheadConfig{cfg.limits.max_requests, cfg.limits.max_pending}),
      budget_(resilience::RetryBudgetConfig{cfg.retry_budget.ratio, cfg.retry_budget.min_concurrent}),
      max_retries_(cfg.limits.max_retries) {
  if (breaker_cfg_ && !per_endpoint_) {
    breaker_ = std::make_unique<resilience::CircuitBreaker>(breaker_config(*breaker_cfg_), clock_);
    breaker_->on_transition([s = status_](resilience::BreakerState from, resilience::BreakerState to) {
      s->breaker_transition(state_num(from), state_num(to), "cluster");
    });
  }
}

ClusterGuards::~ClusterGuards() {
  // Breakers left open/half-open no longer count in the shared status.
  const auto undo = [&](const resilience::CircuitBreaker& b) {
    if (b.state() == resilience::BreakerState::open) --status_->breakers_open;
    else if (b.state() == resilience::BreakerState::half_open) --status_->breakers_half_open;
  };
  if (breaker_) undo(*breaker_);
  for (const auto& [k, b] : ep_breakers_) {
    undo(*b);
    if (b->state() == resilience::BreakerState::open)
      if (auto e = status_->endpoint(k)) --e->breaker_open;
  }
}

resilience::CircuitBreaker& ClusterGuards::endpoint_breaker(const cluster::Endpoint& ep) {
  auto& b = ep_breakers_[ep.key];
  if (!b) {
    b = std::make_unique<resilience::CircuitBreaker>(breaker_config(*breaker_cfg_), clock_);
    b->on_transition([s = status_, e = ep.status, key = ep.key](resilience::BreakerState from,
                                                                resilience::BreakerState to) {
      if (e && from == resilience::BreakerState::open) --e->breaker_open;
      if (e && to == resilience::BreakerState::open) ++e->breaker_open;
      s->breaker_transition(state_num(from), state_num(to), key);
    });
  }
  return *b;
}

bool ClusterGuards::breaker_failure(const TryResult& r) const {
  const auto& cb = breaker_cfg_;
  if (!cb) return false;
  switch (r.kind) {
    case TryKind::connect_error: return cb->on_connect_error;
    case TryKind::connect_timeout:
    case TryKind::timeout: return cb->on_timeout;
    case TryKind::reset:
    case TryKind::refused:
    case TryKind::reset_relayed:
    case TryKind::bad_response: return cb->on_reset;
    case TryKind::ok:
      if (cb->on_5xx && r.status >= 500) return true;
      return std::find(cb->statuses.begin(), cb->statuses.end(), r.status) != cb->statuses.end();
    case TryKind::downstream:
    case TryKind::overflow:
    case TryKind::unsupported: break;  // client gone, local overflow: not the upstream's fault
  }
  return false;
}

ClusterGuards::RetryWaiting::RetryWaiting(ClusterGuards& g) : g_(g) {
  ++g_.active_retries_;
  ++g_.status_->retries_active;
}

ClusterGuards::RetryWaiting::~RetryWaiting() {
  --g_.active_retries_;
  --g_.status_->retries_active;
}

}  // namespace strata::upstream
