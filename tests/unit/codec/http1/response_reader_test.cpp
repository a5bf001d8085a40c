// Moved from tests/unit/tools/load/h1_response_parser_test.cpp: the tools'
// own response parser became codec::http1::ResponseReader.
#include "codec/http1/response_reader.hpp"

#include <string>

#include <gtest/gtest.h>

using H1ResponseParser = strata::codec::http1::ResponseReader;
using S = H1ResponseParser::Status;

namespace {
// Feeds `in` one byte at a time the way the load driver does (keeping the
// unconsumed tail); returns the final status.
S feed_bytewise(H1ResponseParser& p, const std::string& in, std::string& rest) {
  std::string pending;
  S s = S::need_more;
  std::size_t i = 0;
  for (; i < in.size(); ++i) {
    pending.push_back(in[i]);
    std::size_t used = 0;
    s = p.parse(pending, used);
    pending.erase(0, used);
    if (s != S::need_more) break;
  }
  rest = pending + in.substr(std::min(in.size(), i + 1));
  return s;
}
}  // namespace

TEST(Http1ResponseReader, ContentLengthSplitAnywhere) {
  const std::string r = "HTTP/1.1 200 OK\r\nContent-Length: 5\r\nX-A: b\r\n\r\nhello";
  H1ResponseParser p;
  std::string rest;
  EXPECT_EQ(feed_bytewise(p, r, rest), S::done);
  EXPECT_EQ(p.status(), 200);
  EXPECT_EQ(p.body_bytes(), 5u);
  EXPECT_TRUE(p.keep_alive());
  EXPECT_TRUE(rest.empty());
}

TEST(Http1ResponseReader, ChunkedWithTrailersAndPipelinedNext) {
  const std::string a =
      "HTTP/1.1 201 Created\r\nTransfer-Encoding: chunked\r\n\r\n"
      "3;ext=1\r\nabc\r\nA\r\n0123456789\r\n0\r\nX-T: 1\r\n\r\n";
  const std::string b = "HTTP/1.1 204 No Content\r\n\r\n";
  H1ResponseParser p;
  std::size_t used = 0;
  const std::string both = a + b;
  ASSERT_EQ(p.parse(both, used), S::done);
  EXPECT_EQ(used, a.size());
  EXPECT_EQ(p.status(), 201);
  EXPECT_EQ(p.body_bytes(), 13u);
  p.reset();
  ASSERT_EQ(p.parse(std::string_view(both).substr(used), used), S::done);
  EXPECT_EQ(p.status(), 204);
  std::string rest;
  p.reset();
  EXPECT_EQ(feed_bytewise(p, a, rest), S::done);
  EXPECT_EQ(p.body_bytes(), 13u);
}

TEST(Http1ResponseReader, InterimResponsesAreSkipped) {
  H1ResponseParser p(true);
  const std::string r = "HTTP/1.1 103 Early Hints\r\nLink: </a>\r\n\r\n"
                        "HTTP/1.1 200 OK\r\nAlt-Svc: h3=\":443\"\r\nContent-Length: 0\r\n\r\n";
  std::size_t used = 0;
  ASSERT_EQ(p.parse(r, used), S::done);
  EXPECT_EQ(p.status(), 200);
  ASSERT_EQ(p.headers().size(), 2u);
  EXPECT_EQ(p.headers().begin()->name, "alt-svc");
  EXPECT_EQ(p.headers().begin()->value, "h3=\":443\"");
}

TEST(Http1ResponseReader, UntilCloseAndConnectionClose) {
  H1ResponseParser p;
  std::size_t used = 0;
  EXPECT_EQ(p.parse("HTTP/1.0 200 OK\r\n\r\nabc", used), S::need_more);
  EXPECT_EQ(p.body_bytes(), 3u);
  EXPECT_EQ(p.finish_on_eof(), S::done);
  EXPECT_FALSE(p.keep_alive());
  p.reset();
  EXPECT_EQ(p.parse("HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 0\r\n\r\n", used), S::done);
  EXPECT_FALSE(p.keep_alive());
  p.reset(/*head_request=*/true);
  EXPECT_EQ(p.parse("HTTP/1.1 200 OK\r\nContent-Length: 99\r\n\r\n", used), S::done);
}

TEST(Http1ResponseReader, BadInputIsAnErrorNotACrash) {
  for (std::string bad : {"HTTP/2 200 OK\r\n\r\n", "HTTP/1.1 20x OK\r\n\r\n",
                          "HTTP/1.1 200 OK\r\nContent-Length: 1x\r\n\r\n",
                          "HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n",
                          "HTTP/1.1 200 OK\r\nNoColon\r\n\r\n",
                          "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n"}) {
    H1ResponseParser p;
    std::size_t used = 0;
    EXPECT_EQ(p.parse(bad, used), S::error) << bad;
    EXPECT_FALSE(p.error().empty());
  }
  strata::codec::http1::Limits tiny;
  tiny.max_header_bytes = 64;
  H1ResponseParser small(false, tiny);
  std::size_t used = 0;
  EXPECT_EQ(small.parse("HTTP/1.1 200 OK\r\nX: " + std::string(100, 'a'), used), S::error);
  H1ResponseParser cut;
  EXPECT_EQ(cut.parse("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nab", used), S::need_more);
  EXPECT_EQ(cut.finish_on_eof(), S::error);
}
