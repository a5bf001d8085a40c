// What the resilient flow knows about one proxied request before its first
// tier, computed once by UpstreamsImpl::proxy and read by the tier runner
// and the try loop. Internal to upstream/; lives on the request's
// coroutine frame.
#pragma once
#include <chrono>
#include <optional>
#include <string>
#include <string_view>

#include "config/config.hpp"

namespace strata::upstream {

namespace resilience {
class LkgStore;
}

struct RequestPlan {
  const config::ProxyAction* action = nullptr;
  std::string_view matched_prefix;
  std::chrono::steady_clock::time_point deadline{};   // route timeout or grpc-timeout
  const config::RetryPolicy* retry = nullptr;         // the route's retry block, if any
  std::optional<std::chrono::milliseconds> per_try;   // per-try timeout, if any
  const config::Fallback* fallback = nullptr;         // degradation tiers, if any
  resilience::LkgStore* store = nullptr;              // GET with last_known_good
  const config::LastKnownGood* lkg = nullptr;         // the route's settings, with `store`
  bool idempotent = false;                            // the request method
};

// One cluster tier of the request.
struct TierSpec {
  std::string_view cluster;
  std::string_view name;    // x-strata-tier: primary | secondary
  bool more_after = false;  // a later tier (cluster, last-known-good, static) can still answer
};

enum class TierResult : std::uint8_t {
  served,   // a response was relayed
  aborted,  // the exchange is broken (client gone, upstream failed mid-response)
  failed,   // nothing relayed: a later tier may answer
};

}  // namespace strata::upstream
