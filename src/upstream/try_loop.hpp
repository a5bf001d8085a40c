// The tries of one cluster tier (docs/resilience.md, "The request flow"):
// pick an endpoint (priority, health, ejection and connect-failure skips
// respected; endpoints this request tried already avoided), admit it through
// its per-endpoint breaker, run the try, feed the outcome back (metrics,
// outlier detection, connect-failure skips, latency, breaker), then decide
// with next_step(): served, aborted, resent after a failed connect,
// retried under the route's policy after a backoff, or failed.
//
// One TryLoop per tier per request, on the request's coroutine; it must
// outlive run(). The cluster breaker's admission belongs to the tier runner,
// which records the verdict of `last` (or drops its ticket).
#pragma once
#include <cstdint>
#include <optional>
#include <vector>

#include <boost/asio/awaitable.hpp>

#include "upstream/failure.hpp"
#include "upstream/request_plan.hpp"
#include "upstream/retry_decision.hpp"
#include "upstream/try_result.hpp"

namespace strata::http {
class Exchange;
}
namespace strata::upstream::pool {
struct UpstreamRequest;
}
namespace strata::upstream::cluster {
struct Endpoint;
}

namespace strata::upstream {

class AttemptExchange;
class UpstreamsImpl;
struct ClusterState;

struct TryLoopResult {
  TierResult result = TierResult::failed;
  Failure failure;               // with `failed`: why
  std::optional<TryResult> last; // the last try (none when no try ran)
};

class TryLoop {
 public:
  // `ex` is the client's exchange, `aex` the AttemptExchange over it that
  // every try goes through.
  TryLoop(UpstreamsImpl& ups, ClusterState& st, const RequestPlan& plan, const TierSpec& tier,
          http::Exchange& ex, AttemptExchange& aex);

  // Runs tries until one is relayed or nothing may follow. `hash` is the
  // ring-hash key of the request (0 for other policies).
  boost::asio::awaitable<TryLoopResult> run(const pool::UpstreamRequest& ureq, std::uint64_t hash);

 private:
  RetryInputs inputs(TryKind kind, int status) const;
  bool untried_endpoint() const;
  void feed_back(cluster::Endpoint& ep, const TryResult& seen, double seconds);
  boost::asio::awaitable<void> backoff();

  UpstreamsImpl& ups_;
  ClusterState& st_;
  const RequestPlan& plan_;
  const TierSpec& tier_;
  http::Exchange& ex_;
  AttemptExchange& aex_;
  bool per_endpoint_breakers_ = false;
  std::vector<const cluster::Endpoint*> tried_;  // in order; may repeat
  std::uint32_t attempt_ = 1;                    // tries under the route policy
  std::uint32_t resends_ = 0;                    // connect-failure resends
};

}  // namespace strata::upstream
