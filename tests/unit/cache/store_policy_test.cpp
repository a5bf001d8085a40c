// cache::Store's policies compared on the same trace: W-TinyLFU keeps the
// popular objects through a scan of one-time objects that flushes LRU, and
// beats LRU on a skewed (Zipf) trace at the same byte size.
#include <gtest/gtest.h>

#include <cmath>
#include <random>

#include "cache/store.hpp"
#include "store_test_util.hpp"

namespace strata::cache {
namespace {

auto any = [](const Object&) { return true; };

double hit_ratio(const std::string& policy, const std::vector<std::uint32_t>& trace, std::uint64_t memory) {
  config::CacheStorage cfg;
  cfg.memory_bytes = memory;
  cfg.max_object_bytes = 16 << 10;
  cfg.policy = policy;
  core::FakeWallClock clock;
  auto s = Store::create(cfg, clock);
  std::size_t hits = 0;
  for (auto id : trace) {
    const auto k = "/z/" + std::to_string(id);
    if (s->find(k, any)) ++hits;
    else s->insert(test::make_object(k, 1000));
    EXPECT_LE(s->stats().bytes, memory);
  }
  return double(hits) / double(trace.size());
}

std::vector<std::uint32_t> zipf_trace(std::size_t objects, std::size_t requests, double alpha, unsigned seed) {
  std::vector<double> cdf(objects);
  double sum = 0;
  for (std::size_t i = 0; i < objects; ++i) cdf[i] = (sum += 1.0 / std::pow(double(i + 1), alpha));
  std::mt19937 rng(seed);
  std::uniform_real_distribution<double> u(0, sum);
  std::vector<std::uint32_t> t;
  for (std::size_t i = 0; i < requests; ++i)
    t.push_back(std::uint32_t(std::lower_bound(cdf.begin(), cdf.end(), u(rng)) - cdf.begin()));
  return t;
}

TEST(StorePolicy, TinyLfuBeatsLruOnASkewedTrace) {
  // 5,000 objects of ~1.3 KB, a cache of ~5% of them.
  auto trace = zipf_trace(5000, 40000, 0.9, 7);
  const std::uint64_t memory = 250 * 1300;
  const double lru = hit_ratio("lru", trace, memory);
  const double tlfu = hit_ratio("tinylfu", trace, memory);
  std::printf("zipf 0.9, 5%% cache: lru %.3f tinylfu %.3f\n", lru, tlfu);
  EXPECT_GT(tlfu, lru + 0.03);
}

TEST(StorePolicy, TinyLfuResistsAScan) {
  // 100 hot objects requested round-robin, then interleaved with a scan of
  // 20,000 one-time objects: LRU loses the hot set, TinyLFU keeps it.
  std::vector<std::uint32_t> trace;
  for (int r = 0; r < 20; ++r)
    for (std::uint32_t k = 0; k < 100; ++k) trace.push_back(k);
  for (std::uint32_t i = 0; i < 20000; ++i) {
    trace.push_back(100000 + i);
    trace.push_back(i % 100);
  }
  const std::uint64_t memory = 150 * 1300;
  const double lru = hit_ratio("lru", trace, memory);
  const double tlfu = hit_ratio("tinylfu", trace, memory);
  std::printf("scan: lru %.3f tinylfu %.3f\n", lru, tlfu);
  EXPECT_GT(tlfu, 0.45);  // nearly every hot request hits (they are half the trace)
  EXPECT_GT(tlfu, lru + 0.1);
}

}  // namespace
}  // namespace strata::cache
