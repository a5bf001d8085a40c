#include "core/units.hpp"

#include <gtest/gtest.h>

using namespace std::chrono_literals;
using strata::core::format_duration;
using strata::core::format_size;
using strata::core::parse_duration;
using strata::core::parse_size;

TEST(Units, DurationsWithUnits) {
  EXPECT_EQ(parse_duration("250ms"), 250ms);
  EXPECT_EQ(parse_duration("10s"), 10s);
  EXPECT_EQ(parse_duration("1m"), 1min);
  EXPECT_EQ(parse_duration("1h"), 1h);
  EXPECT_EQ(parse_duration("1.5s"), 1500ms);
  EXPECT_EQ(parse_duration("0.25m"), 15s);
  EXPECT_EQ(parse_duration("1h30m"), 90min);
  EXPECT_EQ(parse_duration("2m5s100ms"), 125100ms);
  EXPECT_EQ(parse_duration("0"), 0ms);
  EXPECT_EQ(parse_duration("0s"), 0ms);
}

TEST(Units, DurationErrors) {
  std::string err;
  EXPECT_FALSE(parse_duration("10", &err));
  EXPECT_NE(err.find("expected a unit"), std::string::npos) << err;
  EXPECT_FALSE(parse_duration("", &err));
  EXPECT_FALSE(parse_duration("s", &err));
  EXPECT_FALSE(parse_duration("-1s", &err));
  EXPECT_FALSE(parse_duration("1.5ms", &err));
  EXPECT_NE(err.find("whole number of milliseconds"), std::string::npos) << err;
  EXPECT_FALSE(parse_duration("10 s", &err));
  EXPECT_FALSE(parse_duration("10sec", &err));
  EXPECT_FALSE(parse_duration("1.s", &err));
  EXPECT_FALSE(parse_duration("5m30", &err));
  EXPECT_FALSE(parse_duration("99999999999999999999h", &err));
  EXPECT_FALSE(parse_duration("9999999999999999999h", &err));
  EXPECT_NE(err.find("too large"), std::string::npos) << err;
  EXPECT_FALSE(parse_duration("1d"));  // no error pointer: must not crash
}

TEST(Units, Sizes) {
  EXPECT_EQ(parse_size("512"), 512u);
  EXPECT_EQ(parse_size("0"), 0u);
  EXPECT_EQ(parse_size("512B"), 512u);
  EXPECT_EQ(parse_size("16KiB"), 16384u);
  EXPECT_EQ(parse_size("16KB"), 16000u);
  EXPECT_EQ(parse_size("1MiB"), 1048576u);
  EXPECT_EQ(parse_size("1MB"), 1000000u);
  EXPECT_EQ(parse_size("2GiB"), 2147483648u);
  EXPECT_EQ(parse_size("3GB"), 3000000000u);
  EXPECT_EQ(parse_size("1.5KiB"), 1536u);
  EXPECT_EQ(parse_size("18446744073709551615"), UINT64_MAX);
}

TEST(Units, SizeErrors) {
  std::string err;
  EXPECT_FALSE(parse_size("1.1KiB", &err));
  EXPECT_NE(err.find("whole number of bytes"), std::string::npos) << err;
  EXPECT_FALSE(parse_size("16kb", &err));
  EXPECT_NE(err.find("unknown unit"), std::string::npos) << err;
  EXPECT_FALSE(parse_size("", &err));
  EXPECT_FALSE(parse_size("KiB", &err));
  EXPECT_FALSE(parse_size("-1", &err));
  EXPECT_FALSE(parse_size("1 KiB", &err));
  EXPECT_FALSE(parse_size("18446744073709551616", &err));
  EXPECT_FALSE(parse_size("99999999999GiB", &err));
}

TEST(Units, FormatRoundTrips) {
  EXPECT_EQ(format_duration(0ms), "0s");
  EXPECT_EQ(format_duration(250ms), "250ms");
  EXPECT_EQ(format_duration(90s), "90s");
  EXPECT_EQ(format_duration(2min), "2m");
  EXPECT_EQ(format_duration(12h), "12h");
  EXPECT_EQ(format_size(7), "7");
  EXPECT_EQ(format_size(1024 * 1024), "1MiB");
  EXPECT_EQ(format_size(16000), "16KB");
  for (auto d : {0ms, 1ms, 999ms, 1001ms, 60000ms, 3600000ms, 86400000ms})
    EXPECT_EQ(parse_duration(format_duration(d)), d);
  for (std::uint64_t s : {0ull, 1ull, 1000ull, 1024ull, 1536ull, 5000000ull, 1ull << 40})
    EXPECT_EQ(parse_size(format_size(s)), s);
}
