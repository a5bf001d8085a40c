// The tries of one cluster tier (docs/resilience.md, "The request flow"):
// pick an endpoint (priority, health, ejection and connect-failure skips
// respected; endpoints this request tried already avoided), admit it through
// its per-endpoint breaker, run the try, feed the outcome back (metrics,
// outlier detection, connect-failure skips, latency, breaker), then decide
// with next_step(): served, aborted, resent after a failed connect,
// retried under the route's policy after a backoff, or failed.
//
// One TryLoop per tier per request, in the tier runner's coroutine frame:
// the loop's steps are plain functions and the tier runner awaits the try
// itself (tier_runner.cpp), so a proxied request has no coroutine frame
// for the loop (one level less to resume when the answer arrives). The
// cluster breaker's admission belongs to the tier runner, which records
// the verdict of `last` (or drops its ticket).
//
//   TryLoop loop(...);
//   while (auto t = loop.next_try(hash)) {
//     TryResult r;
//     { TryLoop::EndpointActive a(*t.ep); r = co_await ups.try_once(aex, st, *t.ep, ureq, t.timeout); }
//     const auto step = loop.settle(t, r);
//     if (step == TryLoop::After::stop) break;
//     if (step == TryLoop::After::backoff) co_await loop.backoff();
//   }
//   loop.result()
#pragma once
#include <chrono>
#include <cstdint>
#include <optional>
#include <vector>

#include <boost/asio/awaitable.hpp>

#include "upstream/failure.hpp"
#include "upstream/request_plan.hpp"
#include "upstream/resilience/circuit_breaker.hpp"
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

  // The next try: an endpoint admitted by its breaker, the try's timeout,
  // and `aex` set up for it. Empty when the tier ends here (deadline, no
  // endpoint, breaker open): result() says why.
  struct Try {
    cluster::Endpoint* ep = nullptr;
    std::chrono::milliseconds timeout{0};
    std::chrono::steady_clock::time_point start{};
    resilience::CircuitBreaker::Ticket ticket;  // with per-endpoint breakers
    explicit operator bool() const { return ep != nullptr; }
  };
  // `hash` is the ring-hash key of the request (0 for other policies).
  Try next_try(std::uint64_t hash);

  enum class After : std::uint8_t { stop, next, backoff };
  // Feeds the try's outcome back and decides what follows: stop (served,
  // aborted or failed: result()), the next try now, or after backoff().
  After settle(Try& t, const TryResult& r);
  boost::asio::awaitable<void> backoff();

  const TryLoopResult& result() const { return out_; }

  // Counts a try in flight on its endpoint (least_request, admin view).
  class EndpointActive {
   public:
    explicit EndpointActive(cluster::Endpoint& e);
    ~EndpointActive();
    EndpointActive(const EndpointActive&) = delete;
    EndpointActive& operator=(const EndpointActive&) = delete;

   private:
    cluster::Endpoint& ep_;
  };

 private:
  RetryInputs inputs(TryKind kind, int status) const;
  bool untried_endpoint() const;
  void feed_back(cluster::Endpoint& ep, const TryResult& seen, double seconds);

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
  TryLoopResult out_;
};

}  // namespace strata::upstream
