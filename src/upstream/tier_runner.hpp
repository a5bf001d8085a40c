// One cluster tier of a proxied request (docs/resilience.md): a bulkhead
// request slot (or a bounded wait for one), the cluster circuit breaker's
// admission, the upstream request built for the cluster's protocol, then
// the TryLoop; the breaker gets the verdict of the last try. Every piece of
// admission (slot, breaker ticket, active-request count) is held by an
// object that gives it back when the tier ends, also by an exception.
// Runs on the request's worker; `aex` wraps the client's `ex`.
#pragma once
#include <boost/asio/awaitable.hpp>

#include "upstream/failure.hpp"
#include "upstream/request_plan.hpp"

namespace strata::http {
class Exchange;
}

namespace strata::upstream {

class AttemptExchange;
class UpstreamsImpl;

struct TierOutcome {
  TierResult result = TierResult::failed;
  Failure failure;  // with `failed`: why (final: no later tier may try)
};

boost::asio::awaitable<TierOutcome> run_tier(UpstreamsImpl& ups, const RequestPlan& plan,
                                             const TierSpec& tier, http::Exchange& ex,
                                             AttemptExchange& aex);

}  // namespace strata::upstream
