// How the resilient flow (resilient_proxy.cpp) consults a cache in front
// of it (docs/resilience.md, "Degradation tiers"; docs/cache.md, "Stale
// serving"). An exchange handed to Upstreams::proxy may also implement
// this interface (the edge cache's CaptureExchange does); the proxy finds
// it with a dynamic_cast, so upstream/ never includes cache/.
// Called on the exchange's thread, before the head is sent.
#pragma once
#include <boost/asio/awaitable.hpp>

namespace strata::upstream {

class StaleAnswer {
 public:
  // Every cluster tier failed (`status`: the failure's, e.g. 503 for an
  // open breaker): answer from a stored stale object if stale-if-error
  // allows it. True when the exchange was answered (the tiers stop here,
  // before last-known-good and static).
  virtual boost::asio::awaitable<bool> answer_stale(int status) = 0;
  // The response that follows is a degraded one (last-known-good or
  // static), not the origin's: it must not be stored nor replace anything.
  virtual void degraded_answer() = 0;

 protected:
  ~StaleAnswer() = default;
};

}  // namespace strata::upstream
