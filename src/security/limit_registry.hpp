// The process-wide state of rate limits (security/rate_limit_filter.hpp):
// one LimitState per (route, limit name), shared by the filters every
// worker builds for a configuration generation, and kept across a reload
// when the limit's name and parameters are unchanged (the registry hands
// the live state to the new generation; a changed limit starts afresh).
// The registry holds weak references: a limit no generation uses any more
// is freed with the last pipeline that used it.
//
// Limits with `global: true` also share one GlobalBackend (the Redis
// client on its own thread, security/global_limit.hpp), created with the
// `redis:` section of the first configuration that needs it (a changed
// `redis:` section takes effect on restart, as for the hub).
//
// Thread: acquire() from any thread (workers build pipelines in parallel).
#pragma once
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>

#include "config/security.hpp"
#include "core/clock.hpp"
#include "security/gcra.hpp"
#include "security/limit_table.hpp"

namespace strata::config {
struct RedisConfig;
}
namespace strata::obs {
class Counter;
}

namespace strata::security {

class GlobalBackend;

struct LimitState : std::enable_shared_from_this<LimitState> {
  LimitState(std::string id, const config::RateLimit& cfg, const core::Clock& clock,
             std::shared_ptr<GlobalBackend> backend, obs::Gauge* keys, obs::Counter* evicted);

  std::string id;                // "<route>/<limit name>": the Redis key part
  config::RateLimit cfg;         // the parameters this state was made with
  GcraParams p;
  std::uint32_t allowance = 1;   // global: requests a node may allow before Redis answers
  const core::Clock* clock;
  LimitTable table;
  std::shared_ptr<GlobalBackend> backend;  // null: a local limit
  obs::Counter* fallback = nullptr;        // global decided locally (Redis unreachable)

  std::int64_t now() const { return clock->now().time_since_epoch().count(); }
  // One request for `key`: allowed (and counted) or refused with the wait.
  GcraResult decide(std::string_view key);
  // Gives back one request allowed by decide() (a later limit refused it).
  void refund(std::string_view key);
};

// GCRA parameters of a limit (interval = per / rate; burst 0 = max(1, rate)).
GcraParams gcra_params(const config::RateLimit& cfg);

class LimitRegistry {
 public:
  static LimitRegistry& global();

  // The state of `cfg` (its name already filled in) on `route`: the live
  // one when the parameters match, else a new one. `redis` must be set for
  // a global limit (the loader checks it); `clock` is for tests.
  std::shared_ptr<LimitState> acquire(const std::string& route, const config::RateLimit& cfg,
                                      const config::RedisConfig* redis,
                                      const core::Clock& clock = core::SteadyClock::instance());
  ~LimitRegistry();

 private:
  LimitRegistry();
  std::mutex mu_;
  std::unordered_map<std::string, std::weak_ptr<LimitState>> states_;
  std::shared_ptr<GlobalBackend> backend_;
};

// Same limit semantics? (everything but dry_run and status, which the
// per-generation filter reads from its own config).
bool same_state(const config::RateLimit& a, const config::RateLimit& b);

}  // namespace strata::security
