// Retry decisions, independent of HTTP transport details:
// - RetryBudget: retries may be at most `ratio` of active requests (default
//   20%), but `min_concurrent` retries are always allowed so a quiet cluster
//   can still retry.
// - Backoff: exponential with full jitter, base * 2^attempt capped at max.
#pragma once
#include <chrono>
#include <cstdint>
#include <random>

namespace strata::upstream::resilience {

struct RetryBudgetConfig {
  double ratio = 0.2;
  std::uint32_t min_concurrent = 3;
};

class RetryBudget {
 public:
  explicit RetryBudget(RetryBudgetConfig cfg) : cfg_(cfg) {}
  // `active_requests` excludes retries; `active_retries` are in flight now.
  bool can_retry(std::uint64_t active_requests, std::uint64_t active_retries) const {
    auto allowed = std::max<double>(cfg_.min_concurrent, cfg_.ratio * double(active_requests));
    return double(active_retries) < allowed;
  }
 private:
  RetryBudgetConfig cfg_;
};

struct BackoffConfig {
  std::chrono::milliseconds base{25};
  std::chrono::milliseconds max{250};
};

// attempt = 1 for the first retry. Returns a delay in [0, min(max, base*2^(attempt-1))].
template <class Rng>
std::chrono::milliseconds backoff_delay(const BackoffConfig& cfg, unsigned attempt, Rng& rng) {
  auto cap = cfg.base.count();
  for (unsigned i = 1; i < attempt && cap < cfg.max.count(); ++i) cap *= 2;
  cap = std::min<long long>(cap, cfg.max.count());
  std::uniform_int_distribution<long long> d(0, cap);
  return std::chrono::milliseconds(d(rng));
}

}  // namespace strata::upstream::resilience
