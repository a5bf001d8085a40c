#include "filter/forwarding/traceparent.hpp"

#include <gtest/gtest.h>

namespace strata::filter::forwarding {
namespace {

constexpr std::string_view kValid = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";

TEST(ForwardingTraceparent, Validation) {
  EXPECT_TRUE(valid_traceparent(kValid));
  EXPECT_FALSE(valid_traceparent("00-00000000000000000000000000000000-00f067aa0ba902b7-01"));
  EXPECT_FALSE(valid_traceparent("00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01"));
  EXPECT_FALSE(valid_traceparent("00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01"));
  EXPECT_FALSE(valid_traceparent("ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"));
  EXPECT_FALSE(valid_traceparent(std::string(kValid) + "-x"));  // v00 must be exact
  EXPECT_TRUE(valid_traceparent("01-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-x"));
  EXPECT_FALSE(valid_traceparent("garbage"));
}

TEST(ForwardingTraceparent, KeepsTraceIdNewSpanKeepsTracestate) {
  core::FastRng rng(1);
  http::Headers h;
  h.add("traceparent", kValid);
  h.add("tracestate", "vendor=1");
  const auto out = propagate_traceparent(h, rng);
  EXPECT_TRUE(valid_traceparent(out));
  EXPECT_EQ(out.substr(0, 36), kValid.substr(0, 36));
  EXPECT_NE(out.substr(36, 16), kValid.substr(36, 16));
  EXPECT_EQ(out.substr(53), "01");
  EXPECT_EQ(h.get("traceparent"), out);
  EXPECT_EQ(h.get("tracestate"), "vendor=1");
}

TEST(ForwardingTraceparent, GeneratesWhenAbsentOrInvalid) {
  core::FastRng rng(2);
  http::Headers h;
  const auto a = propagate_traceparent(h, rng);
  EXPECT_TRUE(valid_traceparent(a));
  http::Headers bad;
  bad.add("traceparent", "00-zz");
  bad.add("tracestate", "vendor=1");
  const auto b = propagate_traceparent(bad, rng);
  EXPECT_TRUE(valid_traceparent(b));
  EXPECT_NE(a.substr(3, 32), b.substr(3, 32));
  EXPECT_FALSE(bad.has("tracestate"));
}

}  // namespace
}  // namespace strata::filter::forwarding
