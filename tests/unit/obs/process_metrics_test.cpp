#include <gtest/gtest.h>

#include "obs/process_metrics.hpp"

using namespace strata::obs;

TEST(ProcessMetrics, SampleAndRender) {
  volatile double x = 0;
  for (int i = 0; i < 2'000'000; ++i) x = x + i;  // some CPU time
  auto s = sample_process();
  EXPECT_GT(s.cpu_seconds, 0);
  EXPECT_GT(s.resident_bytes, 1u << 20);
  record_ready_memory();
  const auto ready = ready_memory();
  EXPECT_GT(ready, 0u);
  record_ready_memory();  // the first call wins
  EXPECT_EQ(ready_memory(), ready);
  auto text = render_process_metrics();
  EXPECT_NE(text.find("# TYPE process_cpu_seconds_total counter\nprocess_cpu_seconds_total "), std::string::npos);
  EXPECT_NE(text.find("process_resident_memory_bytes "), std::string::npos);
  EXPECT_NE(text.find("strata_ready_resident_memory_bytes " + std::to_string(ready) + "\n"), std::string::npos);
}
