#include <gtest/gtest.h>

#include <thread>

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
