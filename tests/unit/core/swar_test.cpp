#include "core/swar.hpp"

#include <gtest/gtest.h>

#include <random>
#include <string>

namespace strata::core::swar {
namespace {

char ref_lower(char c) { return (c >= 'A' && c <= 'Z') ? char(c + 32) : c; }
bool ref_no_line_breaks(std::string_view s) {
  for (char c : s)
    if (c == '\r' || c == '\n' || c == '\0') return false;
  return true;
}
std::size_t ref_first_non_field_char(std::string_view s) {
  for (std::size_t i = 0; i < s.size(); ++i) {
    const auto u = static_cast<unsigned char>(s[i]);
    if ((u < 0x20 && u != '\t') || u == 0x7F) return i;
  }
  return s.size();
}

// Every byte value at every position of strings of every length up to 19,
// in a background of each of a few fillers (plain, obs-text, tab, 0x7E):
// the word tests see the byte in each lane and in the byte-wise tail.
TEST(Swar, EveryByteAtEveryPositionMatchesTheByteWiseReference) {
  for (const char fill : {'a', 'Z', '\x80', '\xff', '\t', '~', ' '}) {
    for (std::size_t len = 1; len < 20; ++len) {
      for (std::size_t pos = 0; pos < len; ++pos) {
        for (int b = 0; b < 256; ++b) {
          std::string s(len, fill);
          s[pos] = char(b);
          ASSERT_EQ(no_line_breaks(s), ref_no_line_breaks(s)) << len << " " << pos << " " << b;
          ASSERT_EQ(first_non_field_char(s), ref_first_non_field_char(s)) << len << " " << pos << " " << b;
          std::string low(len, '?');
          copy_lower(low.data(), s.data(), len);
          for (std::size_t i = 0; i < len; ++i) ASSERT_EQ(low[i], ref_lower(s[i])) << len << " " << i << " " << b;
          std::string copy(len + 2, '?');
          const bool clean = copy_no_line_breaks(copy.data() + 1, s.data(), len);
          ASSERT_EQ(clean, ref_no_line_breaks(s)) << len << " " << pos << " " << b;
          ASSERT_EQ(copy.front(), '?');  // nothing written outside [dst, dst + n)
          ASSERT_EQ(copy.back(), '?');
          if (clean) {
            ASSERT_EQ(copy.substr(1, len), s) << len << " " << pos << " " << b;
          }
        }
      }
    }
  }
}

// Random strings, with the bytes the tests look for mixed in: two bad bytes
// in one word, borrows across lanes (0x00 next to 0x80), long strings.
TEST(Swar, RandomStringsMatchTheByteWiseReference) {
  std::mt19937 rng(7);
  const char specials[] = {'\0', '\r', '\n', '\t', '\x7f', '\x80', '\x8d', '\xff', '\x1f', ' ', 'A', 'Z', '@', '[', '`', '{'};
  for (int round = 0; round < 20000; ++round) {
    const std::size_t len = rng() % 70;
    std::string s(len, 'x');
    for (auto& c : s) c = (rng() % 4 == 0) ? specials[rng() % sizeof specials] : char(0x20 + rng() % 0x5f);
    ASSERT_EQ(no_line_breaks(s), ref_no_line_breaks(s));
    ASSERT_EQ(first_non_field_char(s), ref_first_non_field_char(s));
    std::string low(len, '?');
    copy_lower(low.data(), s.data(), len);
    for (std::size_t i = 0; i < len; ++i) ASSERT_EQ(low[i], ref_lower(s[i]));
    std::string copy(len, '?');
    const bool clean = copy_no_line_breaks(copy.data(), s.data(), len);
    ASSERT_EQ(clean, ref_no_line_breaks(s));
    if (clean) {
      ASSERT_EQ(copy, s);
    }
  }
}

TEST(Swar, WordTests) {
  EXPECT_TRUE(has_less(0x2020202020202019ULL, 0x20));
  EXPECT_FALSE(has_less(0x2020202020202020ULL, 0x20));
  EXPECT_TRUE(has_byte(0x7f00000000000000ULL, 0x7f));
  EXPECT_FALSE(has_byte(0x7e7e7e7e7e7e7e7eULL, 0x7f));
  EXPECT_EQ(lower8(load8("ABCxyz[@")), load8("abcxyz[@"));
}

}  // namespace
}  // namespace strata::core::swar
