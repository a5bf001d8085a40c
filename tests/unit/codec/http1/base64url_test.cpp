#include <gtest/gtest.h>

#include "codec/http1/base64url.hpp"

using strata::codec::http1::base64url_decode;

TEST(Http1Base64Url, DecodesWithAndWithoutPadding) {
  EXPECT_EQ(base64url_decode("aGVsbG8").value(), "hello");
  EXPECT_EQ(base64url_decode("aGVsbG8=").value(), "hello");
  EXPECT_EQ(base64url_decode("-_8").value(), std::string("\xfb\xff", 2));
  EXPECT_EQ(base64url_decode("").value(), "");
  EXPECT_FALSE(base64url_decode("a+b/"));
  EXPECT_FALSE(base64url_decode("a"));
}
