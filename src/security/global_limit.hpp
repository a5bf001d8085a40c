// Rate limits shared across nodes (`global: true`, docs/security.md
// "Limits across nodes"). Every node keeps deciding locally, without
// waiting for Redis; Redis holds the authoritative GCRA state per key and
// is told, asynchronously, how many requests each node allowed:
//
//  - A node allows a request for a key while it has fewer than
//    `allowance` (= max(1, local_allowance * burst)) requests allowed but
//    not yet acknowledged by Redis, and Redis has not said "over".
//  - At most one report per key is in flight per process: the first
//    allowed request sends "+n" (an atomic Lua GCRA: TAT = max(TAT, now) +
//    n * interval, on Redis's clock); requests allowed meanwhile are
//    summed and sent when the reply is back. Every allowed request is
//    charged, so overshoot pushes the TAT forward and the next replies
//    block the key longer: the rate across nodes converges to the
//    configured one; the burst can be exceeded by at most nodes*allowance.
//  - The reply is (TAT - now): when that exceeds the burst's tolerance the
//    key is blocked on this node until one request fits again.
//  - Redis unreachable (transport error, command_timeout): the backend is
//    "down" and every global limit decides with its local GCRA (the same
//    parameters, for this node only), counted in
//    strata_limit_redis_fallback_total; gauge strata_limit_redis_mode is
//    1 while Redis is used, 0 in the local fallback. A PING every 250 ms
//    while down brings it back.
//
// The backend runs its own thread and io_context with one redis::Client
// (the general client, EVALSHA then EVAL on NOSCRIPT): request filters
// only post to it.
#pragma once
#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

#include "security/gcra.hpp"

namespace strata::config {
struct RedisConfig;
}

namespace strata::security {

struct LimitState;

class GlobalBackend {
 public:
  explicit GlobalBackend(const config::RedisConfig& cfg);
  ~GlobalBackend();
  GlobalBackend(const GlobalBackend&) = delete;
  GlobalBackend& operator=(const GlobalBackend&) = delete;

  // Closes the client and joins the thread (idempotent; the destructor
  // calls it, and so does the registry at exit even when filters still
  // hold the backend). Afterwards every global limit decides locally.
  void shutdown();
  // Redis answers (last command ok or a probe succeeded). Any thread.
  bool up() const { return up_.load(std::memory_order_relaxed); }
  // A reply older than this is taken as lost (2 x command_timeout).
  std::int64_t stale_after() const { return stale_after_; }
  // Charges `n` requests of `key` in Redis; the reply updates the key's
  // entry in s->table. Any thread (posts to the backend's thread).
  void report(std::shared_ptr<LimitState> s, std::string key, std::uint32_t n);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
  std::atomic<bool> up_{false};
  std::int64_t stale_after_;
  friend struct Impl;
};

// The decision of a global limit for one request (LimitState::decide).
GcraResult decide_global(LimitState& s, std::string_view key, std::int64_t now);

}  // namespace strata::security
