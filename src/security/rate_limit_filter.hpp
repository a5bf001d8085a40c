// The rate limits of a route (route `security.rate_limits`, docs/security.md
// "Rate limits"): a request_post_route filter that checks each limit in
// order (GCRA per key, security/gcra.hpp; keys from security/request_key);
// the first limit that refuses answers `status` (429) with
//   Retry-After: <seconds, rounded up>
//   RateLimit-Policy: "<limit>";q=<burst>;w=<seconds to earn a full burst>
//   RateLimit: "<limit>";r=0;t=<seconds until one request fits>
// (draft-ietf-httpapi-ratelimit-headers-10 form), and the limits checked
// before it get their request back. A dry_run limit never refuses; its
// would-be refusals are counted (result="dry_run_limited").
// Metrics: strata_limit_requests_total{route,limit,result=allowed|limited|
// dry_run_limited}; the key tables' metrics are in security/limit_table.hpp.
// The refused request's key goes to the access log (rate_limit_key).
//
// State is process-wide (security/limit_registry.hpp): every worker's copy
// of this filter shares the keys, and a reload keeps them when the limit is
// unchanged. Thread: const, any worker.
#pragma once
#include <memory>
#include <string>
#include <vector>

#include "config/security.hpp"
#include "core/clock.hpp"
#include "filter/filter.hpp"

namespace strata::config {
struct RedisConfig;
}
namespace strata::obs {
class Counter;
}

namespace strata::security {

struct LimitState;

class RateLimitFilter final : public filter::Filter {
 public:
  // Limits without a name are called "<route>#<index>". `redis` is the
  // `redis:` section (global limits; null: none configured).
  RateLimitFilter(const std::vector<config::RateLimit>& limits, const std::string& route,
                  const config::RedisConfig* redis,
                  const core::Clock& clock = core::SteadyClock::instance());
  ~RateLimitFilter() override;

  std::string_view name() const override { return "rate_limit"; }
  filter::PhaseMask phases() const override {
    return filter::bit(filter::Phase::request_post_route) | filter::bit(filter::Phase::local_reply);
  }
  filter::LocalReply on_request(filter::Phase phase, http::Exchange& ex,
                                http::RequestContext& ctx) const override;
  void on_local_reply(const http::RequestContext& ctx, http::Response& r) const override;

  std::size_t size() const { return limits_.size(); }
  LimitState& state(std::size_t i) const { return *limits_[i].state; }

 private:
  struct Limit {
    config::RateLimit cfg;
    std::shared_ptr<LimitState> state;
    obs::Counter* allowed = nullptr;
    obs::Counter* limited = nullptr;
    obs::Counter* dry_run = nullptr;
    std::string policy;   // RateLimit-Policy value
    std::string sf_name;  // the name as a structured-field string ("...")
    std::size_t key_from = 0;  // an earlier limit with the same key (== own index: none)
  };
  std::vector<Limit> limits_;
  std::string route_;
};

// A structured-field string (RFC 8941): quoted, '"' and '\' escaped,
// characters outside 0x20..0x7e dropped.
std::string sf_string(std::string_view s);

}  // namespace strata::security
