// Process-wide metrics registry rendered as Prometheus text (names strata_*).
// Lookup (counter()/gauge()/histogram()) takes a mutex: do it once and keep
// the returned reference, which stays valid for the life of the process.
// Updating a metric is a relaxed atomic operation, safe from any thread.
#pragma once
#include <array>
#include <atomic>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace strata::obs {

using Labels = std::vector<std::pair<std::string, std::string>>;

class Counter {
 public:
  void inc(std::uint64_t n = 1) { v_.fetch_add(n, std::memory_order_relaxed); }
  std::uint64_t value() const { return v_.load(std::memory_order_relaxed); }
 private:
  std::atomic<std::uint64_t> v_{0};
};

class Gauge {
 public:
  void add(std::int64_t n = 1) { v_.fetch_add(n, std::memory_order_relaxed); }
  void sub(std::int64_t n = 1) { v_.fetch_sub(n, std::memory_order_relaxed); }
  void set(std::int64_t n) { v_.store(n, std::memory_order_relaxed); }
  std::int64_t value() const { return v_.load(std::memory_order_relaxed); }
 private:
  std::atomic<std::int64_t> v_{0};
};

// Fixed buckets in seconds, 100 µs .. 30 s.
class Histogram {
 public:
  static constexpr std::array<double, 16> kBounds = {0.0001, 0.00025, 0.0005, 0.001, 0.0025,
                                                     0.005,  0.01,    0.025,  0.05,  0.1,
                                                     0.25,   0.5,     1,      2.5,   5,
                                                     30};
  void observe(double seconds);
  std::uint64_t count() const { return count_.load(std::memory_order_relaxed); }
  double sum() const { return double(sum_ns_.load(std::memory_order_relaxed)) / 1e9; }
  std::uint64_t bucket(std::size_t i) const { return buckets_[i].load(std::memory_order_relaxed); }
 private:
  std::array<std::atomic<std::uint64_t>, kBounds.size()> buckets_{};
  std::atomic<std::uint64_t> count_{0};
  std::atomic<std::uint64_t> sum_ns_{0};
};

class Registry {
 public:
  static Registry& global();
  Counter& counter(std::string_view name, std::string_view help, const Labels& labels = {});
  Gauge& gauge(std::string_view name, std::string_view help, const Labels& labels = {});
  Histogram& histogram(std::string_view name, std::string_view help, const Labels& labels = {});
  // Prometheus text exposition format 0.0.4.
  std::string render() const;
  ~Registry();
  Registry();
 private:
  struct Impl;
  Impl* impl_;
};

// Shorthands on the global registry.
inline Counter& counter(std::string_view n, std::string_view h, const Labels& l = {}) {
  return Registry::global().counter(n, h, l);
}
inline Gauge& gauge(std::string_view n, std::string_view h, const Labels& l = {}) {
  return Registry::global().gauge(n, h, l);
}
inline Histogram& histogram(std::string_view n, std::string_view h, const Labels& l = {}) {
  return Registry::global().histogram(n, h, l);
}

}  // namespace strata::obs
