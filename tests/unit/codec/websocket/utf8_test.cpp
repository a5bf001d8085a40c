// The incremental UTF-8 validator (RFC 3629) on its own.
#include <gtest/gtest.h>

#include "codec/websocket/utf8.hpp"

namespace strata::codec::websocket {
namespace {

TEST(WsUtf8, AcceptsValidText) {
  EXPECT_TRUE(is_valid_utf8(""));
  EXPECT_TRUE(is_valid_utf8("plain ascii, long enough for the 8-byte path"));
  EXPECT_TRUE(is_valid_utf8("\xce\xba\xe1\xbd\xb9\xcf\x83\xce\xbc\xce\xb5"));  // κόσμε
  EXPECT_TRUE(is_valid_utf8("\xf0\x9f\x98\x80"));                              // U+1F600
  EXPECT_TRUE(is_valid_utf8("\xf4\x8f\xbf\xbf"));                              // U+10FFFF
  EXPECT_TRUE(is_valid_utf8("\xef\xbf\xbf"));                                  // U+FFFF
  EXPECT_TRUE(is_valid_utf8("\xed\x9f\xbf\xee\x80\x80"));                      // U+D7FF U+E000
}

TEST(WsUtf8, RejectsOverlongs) {
  EXPECT_FALSE(is_valid_utf8("\xc0\xaf"));
  EXPECT_FALSE(is_valid_utf8("\xc1\xbf"));
  EXPECT_FALSE(is_valid_utf8("\xe0\x80\xaf"));
  EXPECT_FALSE(is_valid_utf8("\xe0\x9f\xbf"));
  EXPECT_FALSE(is_valid_utf8("\xf0\x80\x80\xaf"));
  EXPECT_FALSE(is_valid_utf8("\xf0\x8f\xbf\xbf"));
}

TEST(WsUtf8, RejectsSurrogatesAndBeyondMax) {
  EXPECT_FALSE(is_valid_utf8("\xed\xa0\x80"));      // U+D800
  EXPECT_FALSE(is_valid_utf8("\xed\xbf\xbf"));      // U+DFFF
  EXPECT_FALSE(is_valid_utf8("\xf4\x90\x80\x80"));  // U+110000
  EXPECT_FALSE(is_valid_utf8("\xf5\x80\x80\x80"));
  EXPECT_FALSE(is_valid_utf8("\xff"));
  EXPECT_FALSE(is_valid_utf8("\xfe"));
}

TEST(WsUtf8, RejectsStrayAndTruncatedSequences) {
  EXPECT_FALSE(is_valid_utf8("\x80"));
  EXPECT_FALSE(is_valid_utf8("a\xbf"));
  EXPECT_FALSE(is_valid_utf8("\xce"));          // truncated at the end
  EXPECT_FALSE(is_valid_utf8("\xe1\xbd"));
  EXPECT_FALSE(is_valid_utf8("\xce" "a"));      // continuation missing
}

TEST(WsUtf8, SequenceSplitAcrossFeeds) {
  const std::string s = "a\xf0\x9f\x98\x80z\xe2\x82\xac";
  for (std::size_t cut = 0; cut <= s.size(); ++cut) {
    Utf8Validator v;
    EXPECT_TRUE(v.feed(std::string_view(s).substr(0, cut)));
    EXPECT_TRUE(v.feed(std::string_view(s).substr(cut)));
    EXPECT_TRUE(v.complete()) << cut;
  }
  Utf8Validator v;
  EXPECT_TRUE(v.feed("\xf0\x9f"));
  EXPECT_FALSE(v.complete());  // mid-sequence
  EXPECT_FALSE(v.feed("\x41"));
  EXPECT_TRUE(v.failed());
  EXPECT_FALSE(v.feed("ok"));  // sticky
  v.reset();
  EXPECT_TRUE(v.feed("ok"));
}

TEST(WsUtf8, FailsAsSoonAsTheBadByteIsSeen) {
  Utf8Validator v;
  EXPECT_TRUE(v.feed("\xce\xba\xe1\xbd\xb9"));
  EXPECT_FALSE(v.feed("\xed\xa0"));  // surrogate lead: known bad before the last byte
}

// Every 1..3-byte value: the validator agrees with a direct decode.
TEST(WsUtf8, ExhaustiveUpToThreeBytes) {
  auto reference = [](const unsigned char* p, std::size_t n) {
    std::size_t i = 0;
    while (i < n) {
      const unsigned c = p[i];
      std::size_t len;
      std::uint32_t cp;
      if (c < 0x80) { len = 1; cp = c; }
      else if ((c & 0xE0) == 0xC0) { len = 2; cp = c & 0x1F; }
      else if ((c & 0xF0) == 0xE0) { len = 3; cp = c & 0x0F; }
      else if ((c & 0xF8) == 0xF0) { len = 4; cp = c & 0x07; }
      else return false;
      if (i + len > n) return false;
      for (std::size_t k = 1; k < len; ++k) {
        if ((p[i + k] & 0xC0) != 0x80) return false;
        cp = (cp << 6) | (p[i + k] & 0x3F);
      }
      const std::uint32_t min[] = {0, 0, 0x80, 0x800, 0x10000};
      if (cp < min[len] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return false;
      i += len;
    }
    return true;
  };
  unsigned char b[3];
  for (unsigned a = 0; a < 256; ++a) {
    b[0] = std::uint8_t(a);
    ASSERT_EQ(is_valid_utf8({reinterpret_cast<char*>(b), 1}), reference(b, 1)) << a;
    for (unsigned c = 0; c < 256; ++c) {
      b[1] = std::uint8_t(c);
      ASSERT_EQ(is_valid_utf8({reinterpret_cast<char*>(b), 2}), reference(b, 2)) << a << " " << c;
      if (a < 0xE0 || a > 0xF4) continue;  // 3-byte space only where it matters
      for (unsigned d = 0; d < 256; d += 3) {
        b[2] = std::uint8_t(d);
        ASSERT_EQ(is_valid_utf8({reinterpret_cast<char*>(b), 3}), reference(b, 3));
      }
    }
  }
}

}  // namespace
}  // namespace strata::codec::websocket
