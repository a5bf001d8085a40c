// Latency-aware balancing: power of two choices over an exponentially
// weighted moving average of response time ("peak EWMA"). Two distinct
// hosts are drawn at random (weighted); the one with the lower cost
// latency x (active + 1) / weight wins. A host without a sample yet costs
// as much as the fastest known host so new endpoints get traffic.
//
// Ewma is the estimator the cluster keeps per endpoint: time-decayed with
// time constant `tau` (default 10 s), and a sample above the current value
// is taken at once (peak sensitivity), so a host that turns slow is avoided
// after one slow response and forgiven gradually. Time is passed in, so it
// tests without sleeping. Not thread-safe: one per endpoint per worker.
#pragma once
#include <chrono>

#include "core/fast_rng.hpp"
#include "upstream/lb/policy.hpp"

namespace strata::upstream::lb {

class Ewma {
 public:
  using time_point = std::chrono::steady_clock::time_point;
  explicit Ewma(std::chrono::nanoseconds tau = std::chrono::seconds(10)) : tau_(tau) {}
  void observe(double seconds, time_point now);
  double value() const { return value_; }  // 0 until the first sample

 private:
  std::chrono::nanoseconds tau_;
  double value_ = 0;
  time_point last_{};
  bool seeded_ = false;
};

class EwmaP2C final : public Policy {
 public:
  explicit EwmaP2C(std::uint64_t seed) : rng_(seed) {}
  void update(std::span<const Host>) override {}
  std::optional<std::size_t> pick(std::span<const Host> hosts, std::uint64_t hash) override;

 private:
  core::FastRng rng_;
};

}  // namespace strata::upstream::lb
