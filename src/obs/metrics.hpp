// Process-wide metrics registry rendered as Prometheus text (names strata_*).
// Lookup (counter()/gauge()/histogram()) takes a mutex: do it once and keep
// the returned reference, which stays valid for the life of the process.
// Updating a metric is safe from any thread: each keeps a cell per thread
// (no locked instruction on the first threads' updates).
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

namespace detail {
// Per-thread cells: each of the first kCells - 1 threads that update metrics
// owns one cell of every metric and is its only writer, so an update is a
// plain load and store (no locked read-modify-write, which cost as much as
// the rest of a counter update on these VMs; several per request). Later
// threads share the last cell through fetch_add. A value is the sum of its
// cells. Cells are never handed to another thread (a thread that exits
// leaves its counts in place).
inline constexpr std::uint32_t kCells = 8;
std::uint32_t assign_cell() noexcept;
inline thread_local std::uint32_t t_cell = kCells;  // kCells: none yet
inline std::uint32_t cell() noexcept {
  std::uint32_t c = t_cell;
  if (c == kCells) [[unlikely]] c = t_cell = assign_cell();
  return c;
}
inline void add(std::atomic<std::uint64_t>& v, std::uint64_t n, std::uint32_t c) noexcept {
  if (c + 1 < kCells) v.store(v.load(std::memory_order_relaxed) + n, std::memory_order_relaxed);
  else v.fetch_add(n, std::memory_order_relaxed);
}
// One 64-bit value as kCells cells (Counter, Gauge): sums wrap modulo 2^64,
// so a gauge's subtractions on one thread cancel additions on another.
class Cells {
 public:
  // Inlined at every update (a call cost more than the update itself).
  [[gnu::always_inline]] void add(std::uint64_t n) noexcept {
    const auto c = cell();
    detail::add(v_[c], n, c);
  }
  std::uint64_t sum() const noexcept {
    std::uint64_t s = 0;
    for (const auto& v : v_) s += v.load(std::memory_order_relaxed);
    return s;
  }
 private:
  std::array<std::atomic<std::uint64_t>, kCells> v_{};
};
}  // namespace detail

class Counter {
 public:
  [[gnu::always_inline]] void inc(std::uint64_t n = 1) { v_.add(n); }
  std::uint64_t value() const { return v_.sum(); }
 private:
  detail::Cells v_;
};

// add()/sub() go to per-thread cells as Counter's; set() writes a base
// so that the value (base + cells) is `n`: exact for gauges that are only
// set, or set while no other thread adds.
class Gauge {
 public:
  [[gnu::always_inline]] void add(std::int64_t n = 1) { v_.add(std::uint64_t(n)); }
  [[gnu::always_inline]] void sub(std::int64_t n = 1) { v_.add(std::uint64_t(0) - std::uint64_t(n)); }
  void set(std::int64_t n) { base_.store(std::uint64_t(n) - v_.sum(), std::memory_order_relaxed); }
  std::int64_t value() const { return std::int64_t(base_.load(std::memory_order_relaxed) + v_.sum()); }
 private:
  detail::Cells v_;
  std::atomic<std::uint64_t> base_{0};
};

// Fixed buckets in seconds, 100 µs .. 30 s (and one above, +Inf); per-thread
// cells as Counter's.
class Histogram {
 public:
  static constexpr std::array<double, 16> kBounds = {0.0001, 0.00025, 0.0005, 0.001, 0.0025,
                                                     0.005,  0.01,    0.025,  0.05,  0.1,
                                                     0.25,   0.5,     1,      2.5,   5,
                                                     30};
  void observe(double seconds);
  std::uint64_t count() const;
  double sum() const;
  std::uint64_t bucket(std::size_t i) const;
 private:
  struct Cell {
    std::array<std::atomic<std::uint64_t>, kBounds.size() + 1> buckets{};  // the last: above 30 s
    std::atomic<std::uint64_t> sum_ns{0};
  };
  std::array<Cell, detail::kCells> cells_{};
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
