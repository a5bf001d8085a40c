// The resilience state of one cluster on one worker (docs/resilience.md):
// its circuit breaker (one per cluster, or one per endpoint made on first
// use), its bulkhead, and the retry accounting (first tries in flight,
// retries waiting out their backoff) that the retry budget and
// limits.max_retries read. The state is private; the tier runner and the
// try loop use it through admission objects that give back what they hold
// when they go out of scope (ActiveRequest, RetryWaiting; the bulkhead slot
// and breaker tickets live in tier_runner.cpp and CircuitBreaker).
// Breaker transitions are mirrored into the shared ClusterStatus.
// Worker thread only.
#pragma once
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>

#include "config/config.hpp"
#include "core/clock.hpp"
#include "upstream/resilience/bulkhead.hpp"
#include "upstream/resilience/circuit_breaker.hpp"
#include "upstream/resilience/retry_policy.hpp"
#include "upstream/try_result.hpp"

namespace strata::upstream::cluster {
struct ClusterStatus;
struct Endpoint;
}  // namespace strata::upstream::cluster

namespace strata::upstream {

class ClusterGuards {
 public:
  ClusterGuards(const config::Cluster& cfg, std::shared_ptr<cluster::ClusterStatus> status,
                const core::Clock& clock);
  ~ClusterGuards();  // breakers left open/half-open leave the shared counts
  ClusterGuards(const ClusterGuards&) = delete;
  ClusterGuards& operator=(const ClusterGuards&) = delete;

  // The cluster breaker; null without circuit_breaker or with per_endpoint.
  resilience::CircuitBreaker* breaker() { return breaker_.get(); }
  bool per_endpoint_breakers() const { return per_endpoint_; }
  // The endpoint's breaker (per_endpoint), made on first use.
  resilience::CircuitBreaker& endpoint_breaker(const cluster::Endpoint& ep);
  // Whether a finished try counts as a breaker failure (failure_on).
  bool breaker_failure(const TryResult& r) const;

  resilience::Bulkhead& bulkhead() { return bulkhead_; }

  // Retry accounting: the budget allows another retry now / retries
  // waiting are below limits.max_retries.
  bool budget_allows() const { return budget_.can_retry(active_requests_, active_retries_); }
  bool below_max_retries() const { return active_retries_ < max_retries_; }

  // A request in this cluster (the retry budget's base), while alive.
  class ActiveRequest {
   public:
    explicit ActiveRequest(ClusterGuards& g) : g_(g) { ++g_.active_requests_; }
    ~ActiveRequest() { --g_.active_requests_; }
    ActiveRequest(const ActiveRequest&) = delete;
    ActiveRequest& operator=(const ActiveRequest&) = delete;

   private:
    ClusterGuards& g_;
  };
  // A retry waiting out its backoff, while alive (also counted in the
  // shared status for /clusters).
  class RetryWaiting {
   public:
    explicit RetryWaiting(ClusterGuards& g);
    ~RetryWaiting();
    RetryWaiting(const RetryWaiting&) = delete;
    RetryWaiting& operator=(const RetryWaiting&) = delete;

   private:
    ClusterGuards& g_;
  };

 private:
  std::shared_ptr<cluster::ClusterStatus> status_;
  const core::Clock& clock_;
  std::optional<config::CircuitBreaker> breaker_cfg_;
  bool per_endpoint_ = false;
  std::unique_ptr<resilience::CircuitBreaker> breaker_;
  std::map<std::string, std::unique_ptr<resilience::CircuitBreaker>> ep_breakers_;
  resilience::Bulkhead bulkhead_;
  resilience::RetryBudget budget_;
  std::uint32_t max_retries_;
  std::uint32_t active_requests_ = 0;
  std::uint32_t active_retries_ = 0;
};

}  // namespace strata::upstream
