#include "obs/metrics_json.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "obs/metrics.hpp"

using namespace strata::obs;

TEST(MetricsJson, FamiliesSamplesAndHistogramBuckets) {
  Registry r;
  r.counter("strata_test_total", "help text", {{"kind", "a\"b"}}).inc(3);
  r.gauge("strata_test_gauge", "g").set(-2);
  auto& h = r.histogram("strata_test_seconds", "h", {{"listener", "web"}});
  h.observe(0.003);
  h.observe(0.003);
  h.observe(100);  // beyond the last bound: only in +Inf
  r.histogram("strata_test_seconds", "h", {{"listener", "api"}}).observe(0.0001);
  auto j = nlohmann::json::parse(metrics_json(r.render() + "# TYPE plain gauge\nplain 1.5\n"));
  EXPECT_EQ(j["strata_test_total"]["type"], "counter");
  EXPECT_EQ(j["strata_test_total"]["help"], "help text");
  EXPECT_EQ(j["strata_test_total"]["samples"][0]["labels"]["kind"], "a\"b");
  EXPECT_EQ(j["strata_test_total"]["samples"][0]["value"], 3);
  EXPECT_EQ(j["strata_test_gauge"]["samples"][0]["value"], -2);
  EXPECT_EQ(j["plain"]["samples"][0]["value"], 1.5);
  const auto& hs = j["strata_test_seconds"];
  EXPECT_EQ(hs["type"], "histogram");
  ASSERT_EQ(hs["bounds"].size(), Histogram::kBounds.size() + 1);
  EXPECT_EQ(hs["bounds"][5], "0.005");
  EXPECT_EQ(hs["bounds"][Histogram::kBounds.size()], "+Inf");
  ASSERT_EQ(hs["samples"].size(), 2u);
  const auto& api = hs["samples"][0]["labels"]["listener"] == "api" ? hs["samples"][0] : hs["samples"][1];
  const auto& web = hs["samples"][0]["labels"]["listener"] == "web" ? hs["samples"][0] : hs["samples"][1];
  EXPECT_EQ(api["count"], 1);
  EXPECT_EQ(web["count"], 3);
  ASSERT_EQ(web["buckets"].size(), Histogram::kBounds.size() + 1);
  EXPECT_EQ(web["buckets"][4], 0);  // cumulative: <= 0.0025
  EXPECT_EQ(web["buckets"][5], 2);  // <= 0.005
  EXPECT_EQ(web["buckets"][Histogram::kBounds.size() - 1], 2);  // <= 30
  EXPECT_EQ(web["buckets"][Histogram::kBounds.size()], 3);      // +Inf
  EXPECT_NEAR(web["sum"].get<double>(), 100.006, 1e-9);
  EXPECT_FALSE(web["labels"].contains("le"));
}
