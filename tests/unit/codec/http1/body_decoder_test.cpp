#include <gtest/gtest.h>

#include <string>

#include "codec/http1/body_decoder.hpp"
#include "config/config.hpp"

using strata::codec::http1::BodyDecoder;
using strata::codec::http1::Error;

namespace {

struct Decoded {
  std::string body;
  BodyDecoder::Status status = BodyDecoder::Status::need_more;
  Error error = Error::none;
  std::string rest;  // bytes after the body
  strata::http::Headers trailers;
};

Decoded decode_chunked(std::string_view text, std::size_t step = 1 << 20,
                       strata::config::Limits limits = {}) {
  Decoded d;
  BodyDecoder dec;
  dec.start_chunked(limits, &d.trailers);
  std::string buf;
  std::size_t fed = 0;
  for (int guard = 0; guard < 100000; ++guard) {
    auto s = dec.step(buf, 7);
    if (s.status == BodyDecoder::Status::data) d.body.append(s.data);
    buf.erase(0, s.consumed);
    d.status = s.status;
    if (s.status == BodyDecoder::Status::done || s.status == BodyDecoder::Status::error) break;
    if (s.status == BodyDecoder::Status::need_more) {
      if (fed == text.size()) break;
      std::size_t n = std::min(step, text.size() - fed);
      buf.append(text.substr(fed, n));
      fed += n;
    }
  }
  d.error = dec.error();
  d.rest = buf + std::string(text.substr(fed));
  return d;
}

}  // namespace

TEST(Http1BodyDecoder, ContentLength) {
  BodyDecoder dec;
  dec.start_length(5);
  auto s = dec.step("helloNEXT", 3);
  EXPECT_EQ(s.data, "hel");
  s = dec.step("loNEXT", 100);
  EXPECT_EQ(s.data, "lo");
  EXPECT_EQ(s.consumed, 2u);
  EXPECT_TRUE(dec.done());
  EXPECT_EQ(dec.step("NEXT", 100).status, BodyDecoder::Status::done);
}

TEST(Http1BodyDecoder, ChunkedWithExtensionsAndTrailersByteByByte) {
  std::string text =
      "5;name=value;q=\"a \\\"b\"\r\nhello\r\n"
      "A\r\n0123456789\r\n"
      "0\r\nX-Checksum: abc\r\nContent-Length: 9\r\n\r\nNEXT";
  for (std::size_t step : {std::size_t(1), std::size_t(3), std::size_t(1000)}) {
    auto d = decode_chunked(text, step);
    ASSERT_EQ(d.status, BodyDecoder::Status::done) << step;
    EXPECT_EQ(d.body, "hello0123456789");
    EXPECT_EQ(d.rest, "NEXT");
    EXPECT_EQ(d.trailers.get("x-checksum").value(), "abc");
    EXPECT_FALSE(d.trailers.has("content-length"));  // forbidden in trailers
  }
}

TEST(Http1BodyDecoder, ChunkedErrors) {
  EXPECT_EQ(decode_chunked("zz\r\n").error, Error::bad_chunk_size);
  EXPECT_EQ(decode_chunked("\r\n").error, Error::bad_chunk_size);
  EXPECT_EQ(decode_chunked("-1\r\n").error, Error::bad_chunk_size);
  EXPECT_EQ(decode_chunked("5\n").error, Error::bad_chunk_size);
  EXPECT_EQ(decode_chunked("fffffffffffffffff\r\n").error, Error::bad_chunk_size);
  EXPECT_EQ(decode_chunked("5;\r\nhello\r\n").error, Error::bad_chunk_extension);
  EXPECT_EQ(decode_chunked("5;a=\"x\r\nhello\r\n").error, Error::bad_chunk_extension);
  EXPECT_EQ(decode_chunked("5;a=\x01\r\nhello\r\n").error, Error::bad_chunk_extension);
  EXPECT_EQ(decode_chunked("5\r\nhelloXX").error, Error::bad_chunk_data);
  EXPECT_EQ(decode_chunked("5\r\nhello\rX").error, Error::bad_chunk_data);
  EXPECT_EQ(decode_chunked("0\r\n folded: x\r\n\r\n").error, Error::obs_fold);
  EXPECT_EQ(decode_chunked("0\r\nbad trailer\r\n\r\n").error, Error::bad_header_name);
  EXPECT_EQ(decode_chunked("0\r\nX: a\n\r\n").error, Error::bare_lf);
}

TEST(Http1BodyDecoder, ChunkedLimits) {
  strata::config::Limits l;
  l.max_body = 10;
  l.max_request_line = 16;
  l.max_header_bytes = 32;
  l.max_headers = 2;
  EXPECT_EQ(decode_chunked("b\r\n", 1 << 20, l).error, Error::body_too_large);
  EXPECT_EQ(decode_chunked("6\r\nabcdef\r\n6\r\nabcdef\r\n", 1 << 20, l).error,
            Error::body_too_large);
  // Extension abuse: one huge line, or many lines adding up.
  EXPECT_EQ(decode_chunked("1;" + std::string(40, 'a'), 1 << 20, l).error,
            Error::bad_chunk_extension);
  std::string many;
  for (int i = 0; i < 10; ++i) many += "1;abcdefgh\r\nx\r\n";
  EXPECT_EQ(decode_chunked(many, 1 << 20, l).error, Error::bad_chunk_extension);
  EXPECT_EQ(decode_chunked("0\r\nA: 1\r\nB: 2\r\nC: 3\r\n\r\n", 1 << 20, l).error,
            Error::too_many_headers);
  EXPECT_EQ(decode_chunked("0\r\nA: " + std::string(40, 'v') + "\r\n\r\n", 1 << 20, l).error,
            Error::headers_too_large);
}
