#include "core/hex.hpp"

#include <gtest/gtest.h>

#include <cstdio>
#include <random>
#include <string>

namespace strata::core {
namespace {

TEST(Hex, SixteenDigitsMostSignificantFirstAsPrintfGives) {
  std::mt19937_64 rng(3);
  for (int i = 0; i < 2000; ++i) {
    const std::uint64_t v = i < 3 ? (i == 0 ? 0 : i == 1 ? ~0ull : 0x0123456789abcdefull) : rng();
    char want[17];
    std::snprintf(want, sizeof want, "%016llx", static_cast<unsigned long long>(v));
    char got[16];
    hex_u64(got, v);
    ASSERT_EQ(std::string(got, 16), std::string(want, 16));
  }
}

}  // namespace
}  // namespace strata::core
