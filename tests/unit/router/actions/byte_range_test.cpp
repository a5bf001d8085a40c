#include <gtest/gtest.h>

#include "router/actions/byte_range.hpp"
#include "router/actions/http_date.hpp"
#include "router/actions/mime_types.hpp"

using namespace strata::router;
using K = ByteRange::Kind;

TEST(RouterByteRange, Forms) {
  auto r = parse_byte_range("bytes=0-99", 1000);
  EXPECT_EQ(r.kind, K::single);
  EXPECT_EQ(r.first, 0u);
  EXPECT_EQ(r.last, 99u);
  r = parse_byte_range("bytes=900-", 1000);
  EXPECT_EQ(r.kind, K::single);
  EXPECT_EQ(r.length(), 100u);
  r = parse_byte_range("bytes=-10", 1000);
  EXPECT_EQ(r.first, 990u);
  EXPECT_EQ(r.last, 999u);
  r = parse_byte_range("bytes=-5000", 1000);
  EXPECT_EQ(r.first, 0u);
  r = parse_byte_range("bytes=10-5000", 1000);
  EXPECT_EQ(r.last, 999u);
}

TEST(RouterByteRange, UnsatisfiableAndIgnored) {
  EXPECT_EQ(parse_byte_range("bytes=1000-", 1000).kind, K::unsatisfiable);
  EXPECT_EQ(parse_byte_range("bytes=-0", 1000).kind, K::unsatisfiable);
  EXPECT_EQ(parse_byte_range("bytes=0-", 0).kind, K::unsatisfiable);
  EXPECT_EQ(parse_byte_range("bytes=0-1,5-6", 1000).kind, K::none);
  EXPECT_EQ(parse_byte_range("items=0-1", 1000).kind, K::none);
  EXPECT_EQ(parse_byte_range("bytes=5-1", 1000).kind, K::none);
  EXPECT_EQ(parse_byte_range("bytes=a-b", 1000).kind, K::none);
  EXPECT_EQ(parse_byte_range("bytes=99999999999999999999999-", 1000).kind, K::none);
}

TEST(RouterHttpDate, RoundTrip) {
  EXPECT_EQ(format_http_date(784111777), "Sun, 06 Nov 1994 08:49:37 GMT");
  EXPECT_EQ(parse_http_date("Sun, 06 Nov 1994 08:49:37 GMT"), std::optional<std::time_t>(784111777));
  EXPECT_FALSE(parse_http_date("Sunday, 06-Nov-94 08:49:37 GMT"));
  EXPECT_FALSE(parse_http_date("Sun, 06 Xyz 1994 08:49:37 GMT"));
  EXPECT_FALSE(parse_http_date(""));
}

TEST(RouterMimeTypes, ByExtension) {
  EXPECT_EQ(mime_type_for("/a/b/index.HTML"), "text/html; charset=utf-8");
  EXPECT_EQ(mime_type_for("x.png"), "image/png");
  EXPECT_EQ(mime_type_for("/a.b/noext"), "application/octet-stream");
  EXPECT_EQ(mime_type_for("file."), "application/octet-stream");
}
