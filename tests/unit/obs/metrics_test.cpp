#include <gtest/gtest.h>

#include <string>
#include <thread>
#include <vector>

#include "obs/metrics.hpp"

using namespace strata::obs;

TEST(Metrics, RenderPrometheusText) {
  Registry r;
  r.counter("strata_test_total", "help text", {{"kind", "a"}}).inc(3);
  r.gauge("strata_test_gauge", "g").set(-2);
  r.histogram("strata_test_seconds", "h").observe(0.003);
  auto text = r.render();
  EXPECT_NE(text.find("# TYPE strata_test_total counter"), std::string::npos);
  EXPECT_NE(text.find("strata_test_total{kind=\"a\"} 3"), std::string::npos);
  EXPECT_NE(text.find("strata_test_gauge -2"), std::string::npos);
  EXPECT_NE(text.find("strata_test_seconds_bucket{le=\"0.0025\"} 0"), std::string::npos);
  EXPECT_NE(text.find("strata_test_seconds_bucket{le=\"0.005\"} 1"), std::string::npos);
  EXPECT_NE(text.find("strata_test_seconds_count 1"), std::string::npos);
}

TEST(Metrics, SameLabelsSameCounter) {
  Registry r;
  auto& a = r.counter("c_total", "h", {{"x", "1"}});
  auto& b = r.counter("c_total", "h", {{"x", "1"}});
  EXPECT_EQ(&a, &b);
}

TEST(MetricsConcurrent, ThreadsIncrement) {
  Registry r;
  auto& c = r.counter("c_total", "h");
  std::thread t1([&] { for (int i = 0; i < 100000; ++i) c.inc(); });
  std::thread t2([&] { for (int i = 0; i < 100000; ++i) c.inc(); });
  t1.join();
  t2.join();
  EXPECT_EQ(c.value(), 200000u);
}

TEST(MetricsConcurrent, ManyThreadsShareTheLastCellExactly) {
  // More threads than cells: the ones past the last own cell share it with
  // an atomic add; every count must still arrive.
  Registry r;
  auto& c = r.counter("many_total", "h");
  auto& h = r.histogram("many_seconds", "h");
  constexpr int kThreads = 12, kEach = 20000;
  std::vector<std::thread> ts;
  for (int t = 0; t < kThreads; ++t)
    ts.emplace_back([&, t] {
      for (int i = 0; i < kEach; ++i) {
        c.inc(2);
        h.observe(t % 2 ? 0.0002 : 100.0);  // a bucket, or above the last bound
      }
    });
  for (auto& t : ts) t.join();
  EXPECT_EQ(c.value(), 2u * kThreads * kEach);
  EXPECT_EQ(h.count(), std::uint64_t(kThreads) * kEach);
  EXPECT_EQ(h.bucket(1), std::uint64_t(kThreads / 2) * kEach);  // <= 0.00025
  EXPECT_EQ(h.bucket(Histogram::kBounds.size()), std::uint64_t(kThreads / 2) * kEach);  // +Inf only
  EXPECT_NEAR(h.sum(), kThreads / 2 * kEach * (0.0002 + 100.0), 1e-3);
}

TEST(MetricsConcurrent, GaugeAddsOnOneThreadSubsOnAnother) {
  Registry r;
  auto& g = r.gauge("g", "h");
  g.set(5);
  std::thread up([&] { for (int i = 0; i < 30000; ++i) g.add(); });
  std::thread down([&] { for (int i = 0; i < 10000; ++i) g.sub(2); });
  up.join();
  down.join();
  EXPECT_EQ(g.value(), 5 + 30000 - 20000);
  g.set(-3);  // no other thread adds now: exact
  EXPECT_EQ(g.value(), -3);
  g.add(4);
  EXPECT_EQ(g.value(), 1);
  EXPECT_NE(r.render().find("g 1\n"), std::string::npos) << r.render();
}

TEST(Metrics, HistogramBucketsBoundsInclusive) {
  Registry r;
  auto& h = r.histogram("b_seconds", "h");
  h.observe(0.0001);   // == first bound: first bucket
  h.observe(0.00011);  // second
  h.observe(30);       // == last bound
  h.observe(31);       // above: counted, in no finite bucket
  h.observe(-1);       // clamped to 0: first bucket
  EXPECT_EQ(h.bucket(0), 2u);
  EXPECT_EQ(h.bucket(1), 1u);
  EXPECT_EQ(h.bucket(Histogram::kBounds.size() - 1), 1u);
  EXPECT_EQ(h.count(), 5u);
  const std::string text = r.render();
  EXPECT_NE(text.find("b_seconds_bucket{le=\"30\"} 4"), std::string::npos) << text;
  EXPECT_NE(text.find("b_seconds_bucket{le=\"+Inf\"} 5"), std::string::npos) << text;
}

