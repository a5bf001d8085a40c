#include <gtest/gtest.h>

#include <string>

#include "codec/http1/request_parser.hpp"
#include "config/config.hpp"

using strata::codec::http1::Error;
using strata::codec::http1::RequestParser;
namespace http = strata::http;
using namespace std::string_literals;

namespace {

struct Parsed {
  RequestParser::Status status = RequestParser::Status::need_more;
  Error error = Error::none;
  std::size_t consumed = 0;
  http::Request req;
  strata::codec::http1::HeadFacts facts;
};

// Feeds `text` in pieces of `step` bytes, keeping unconsumed bytes like a
// connection does.
Parsed parse(std::string_view text, std::size_t step = 1 << 20,
             strata::config::Limits limits = {}) {
  Parsed p;
  RequestParser parser(limits);
  parser.start(&p.req);
  std::string buf;
  std::size_t fed = 0;
  while (true) {
    std::size_t n = std::min(step, text.size() - fed);
    buf.append(text.substr(fed, n));
    fed += n;
    auto r = parser.parse(buf);
    p.consumed += r.consumed;
    buf.erase(0, r.consumed);
    p.status = r.status;
    if (r.status != RequestParser::Status::need_more || fed == text.size()) break;
  }
  p.error = parser.error();
  p.facts = parser.facts();
  return p;
}

Error err(std::string_view text) { return parse(text).error; }

}  // namespace

TEST(Http1RequestParser, SimpleGetByteByByte) {
  std::string text = "GET /a?b=c HTTP/1.1\r\nHost: example.com\r\nX-Y:  v \r\n\r\nrest";
  auto p = parse(text, 1);
  ASSERT_EQ(p.status, RequestParser::Status::done);
  EXPECT_EQ(p.consumed, text.size() - 4);
  EXPECT_EQ(p.req.method, "GET");
  EXPECT_EQ(p.req.target, "/a?b=c");
  EXPECT_EQ(p.req.authority, "example.com");
  EXPECT_EQ(p.req.headers.get("x-y").value(), "v");
  EXPECT_FALSE(p.req.headers.has("host"));
  EXPECT_FALSE(p.req.has_body);
  EXPECT_TRUE(p.facts.keep_alive);
  EXPECT_EQ(p.req.protocol, http::Protocol::http11);
}

TEST(Http1RequestParser, ContentLengthAndChunkedFacts) {
  auto p = parse("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\n\r\n");
  ASSERT_EQ(p.status, RequestParser::Status::done);
  EXPECT_EQ(p.req.content_length.value(), 5u);
  EXPECT_TRUE(p.req.has_body);
  auto c = parse("POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n");
  ASSERT_EQ(c.status, RequestParser::Status::done);
  EXPECT_TRUE(c.facts.chunked);
  EXPECT_TRUE(c.req.has_body);
  EXPECT_FALSE(c.req.content_length);
  EXPECT_FALSE(c.req.headers.has("transfer-encoding"));
  // Identical duplicates are one length.
  auto d = parse("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 3, 3\r\nContent-Length: 3\r\n\r\n");
  ASSERT_EQ(d.status, RequestParser::Status::done);
  EXPECT_EQ(d.req.content_length.value(), 3u);
}

TEST(Http1RequestParser, KeepAliveRules) {
  EXPECT_FALSE(parse("GET / HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n").facts.keep_alive);
  EXPECT_FALSE(parse("GET / HTTP/1.0\r\n\r\n").facts.keep_alive);
  auto p = parse("GET / HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n");
  EXPECT_TRUE(p.facts.keep_alive);
  EXPECT_EQ(p.req.protocol, http::Protocol::http10);
}

TEST(Http1RequestParser, ExpectContinueAndH2cUpgrade) {
  auto p = parse("POST / HTTP/1.1\r\nHost: h\r\nExpect: 100-continue\r\nContent-Length: 1\r\n\r\n");
  EXPECT_TRUE(p.facts.expect_continue);
  EXPECT_EQ(err("GET / HTTP/1.1\r\nHost: h\r\nExpect: something\r\n\r\n"),
            Error::unsupported_expectation);
  auto u = parse("GET / HTTP/1.1\r\nHost: h\r\nConnection: Upgrade, HTTP2-Settings\r\n"
                 "Upgrade: h2c\r\nHTTP2-Settings: AAMAAABkAAQAAP__\r\n\r\n");
  EXPECT_TRUE(u.facts.h2c_upgrade);
  EXPECT_TRUE(u.facts.upgrade);
  auto w = parse("GET / HTTP/1.1\r\nHost: h\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n");
  EXPECT_TRUE(w.facts.upgrade);
  EXPECT_FALSE(w.facts.h2c_upgrade);
}

TEST(Http1RequestParser, TargetForms) {
  auto a = parse("GET http://Example.com:8080?x=1 HTTP/1.1\r\nHost: other\r\n\r\n");
  ASSERT_EQ(a.status, RequestParser::Status::done);
  EXPECT_EQ(a.req.authority, "Example.com:8080");
  EXPECT_EQ(a.req.target, "/?x=1");
  EXPECT_EQ(parse("OPTIONS * HTTP/1.1\r\nHost: h\r\n\r\n").status, RequestParser::Status::done);
  EXPECT_EQ(err("GET * HTTP/1.1\r\nHost: h\r\n\r\n"), Error::bad_target);
  auto c = parse("CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n");
  EXPECT_EQ(c.req.authority, "example.com:443");
  EXPECT_EQ(err("GET a/b HTTP/1.1\r\nHost: h\r\n\r\n"), Error::bad_target);
  EXPECT_EQ(err("GET /a#frag HTTP/1.1\r\nHost: h\r\n\r\n"), Error::bad_target);
  EXPECT_EQ(err("GET /\x7f HTTP/1.1\r\nHost: h\r\n\r\n"), Error::bad_target);
  EXPECT_EQ(err("GET /\xc3\xa9 HTTP/1.1\r\nHost: h\r\n\r\n"), Error::bad_target);
  EXPECT_EQ(err("GET ftp://h/ HTTP/1.1\r\nHost: h\r\n\r\n"), Error::bad_target);
  EXPECT_EQ(err("GET http://u@h/ HTTP/1.1\r\nHost: h\r\n\r\n"), Error::bad_target);
}

TEST(Http1RequestParser, LeadingEmptyLinesIgnored) {
  auto p = parse("\r\n\r\nGET / HTTP/1.1\r\nHost: h\r\n\r\n");
  EXPECT_EQ(p.status, RequestParser::Status::done);
}

TEST(Http1RequestParser, RequestLineErrors) {
  EXPECT_EQ(err("GET /\r\n\r\n"), Error::bad_request_line);
  EXPECT_EQ(err("GET  / HTTP/1.1\r\n\r\n"), Error::bad_request_line);
  EXPECT_EQ(err("GET / extra HTTP/1.1\r\n\r\n"), Error::bad_request_line);
  EXPECT_EQ(err("G(T / HTTP/1.1\r\nHost: h\r\n\r\n"), Error::bad_method);
  EXPECT_EQ(err("GET / HTTP/1.1x\r\n\r\n"), Error::bad_version);
  EXPECT_EQ(err("GET / http/1.1\r\n\r\n"), Error::bad_version);
  EXPECT_EQ(err("GET / HTTP/2.0\r\n\r\n"), Error::version_not_supported);
  EXPECT_EQ(err("GET / HTTP/1.2\r\n\r\n"), Error::version_not_supported);
  EXPECT_EQ(err("GET / HTTP/0.9\r\n\r\n"), Error::version_not_supported);
}

TEST(Http1RequestParser, LineEndingsAndControlBytes) {
  EXPECT_EQ(err("GET / HTTP/1.1\nHost: h\r\n\r\n"), Error::bare_lf);
  EXPECT_EQ(err("GET / HTTP/1.1\r\nHost: h\n\r\n"), Error::bare_lf);
  EXPECT_EQ(err("GET /\r HTTP/1.1\r\nHost: h\r\n\r\n"), Error::bare_cr);
  EXPECT_EQ(err("GET / HTTP/1.1\r\nHost: h\r\nX-A: a\rb\r\n\r\n"), Error::bare_cr);
  EXPECT_EQ(err("GET / HTTP/1.1\r\nHost: h\r\nX-A: a\0b\r\n\r\n"s),
            Error::bad_header_value);
  EXPECT_EQ(err("GET / HTTP/1.1\r\nHost: h\r\nX-A: a\x01" "b\r\n\r\n"), Error::bad_header_value);
  EXPECT_EQ(err("GET / HTTP/1.1\r\nHost: h\r\nX\0A: ab\r\n\r\n"s),
            Error::bad_header_name);
  EXPECT_EQ(err("GET / HTTP/1.1\r\nHost: h\r\nX-A : b\r\n\r\n"), Error::bad_header_name);
  EXPECT_EQ(err("GET / HTTP/1.1\r\nHost: h\r\n: b\r\n\r\n"), Error::bad_header_name);
  EXPECT_EQ(err("GET / HTTP/1.1\r\nHost: h\r\nnocolon\r\n\r\n"), Error::bad_header_name);
  EXPECT_EQ(err("GET / HTTP/1.1\r\nHost: h\r\nX-A: b\r\n  folded\r\n\r\n"), Error::obs_fold);
  // obs-text in values is allowed (RFC 9110 5.5).
  EXPECT_EQ(err("GET / HTTP/1.1\r\nHost: h\r\nX-A: caf\xc3\xa9\r\n\r\n"), Error::none);
}

TEST(Http1RequestParser, HostRules) {
  EXPECT_EQ(err("GET / HTTP/1.1\r\n\r\n"), Error::missing_host);
  EXPECT_EQ(err("GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n"), Error::duplicate_host);
  EXPECT_EQ(err("GET / HTTP/1.1\r\nHost: a b\r\n\r\n"), Error::bad_host);
  EXPECT_EQ(err("GET / HTTP/1.1\r\nHost: a/b\r\n\r\n"), Error::bad_host);
  EXPECT_EQ(err("GET / HTTP/1.0\r\n\r\n"), Error::none);
}

TEST(Http1RequestParser, FramingConflicts) {
  EXPECT_EQ(err("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n"),
            Error::content_length_with_transfer_encoding);
  EXPECT_EQ(err("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\n"),
            Error::conflicting_content_length);
  EXPECT_EQ(err("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 3, 4\r\n\r\n"),
            Error::conflicting_content_length);
  EXPECT_EQ(err("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: -1\r\n\r\n"),
            Error::bad_content_length);
  EXPECT_EQ(err("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 0x10\r\n\r\n"),
            Error::bad_content_length);
  EXPECT_EQ(err("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 99999999999999999999\r\n\r\n"),
            Error::bad_content_length);
  EXPECT_EQ(err("POST / HTTP/1.1\r\nHost: h\r\nContent-Length:\r\n\r\n"),
            Error::bad_content_length);
  EXPECT_EQ(err("POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: gzip\r\n\r\n"),
            Error::unsupported_transfer_encoding);
  EXPECT_EQ(err("POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: gzip, chunked\r\n\r\n"),
            Error::unsupported_transfer_encoding);
  EXPECT_EQ(err("POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked, gzip\r\n\r\n"),
            Error::bad_transfer_encoding);
  EXPECT_EQ(err("POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n"),
            Error::bad_transfer_encoding);
  EXPECT_EQ(err("POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n"),
            Error::bad_transfer_encoding);
}

TEST(Http1RequestParser, Limits) {
  strata::config::Limits l;
  l.max_request_line = 32;
  l.max_header_bytes = 64;
  l.max_headers = 3;
  l.max_body = 100;
  std::string long_target = "GET /" + std::string(40, 'a') + " HTTP/1.1\r\nHost: h\r\n\r\n";
  EXPECT_EQ(parse(long_target, 1 << 20, l).error, Error::request_line_too_long);
  // Detected before the line ends (an endless line cannot grow).
  auto partial = parse("GET /" + std::string(40, 'a'), 1 << 20, l);
  EXPECT_EQ(partial.error, Error::request_line_too_long);
  std::string big_header = "GET / HTTP/1.1\r\nHost: h\r\nX: " + std::string(80, 'v') + "\r\n\r\n";
  EXPECT_EQ(parse(big_header, 7, l).error, Error::headers_too_large);
  EXPECT_EQ(parse("GET / HTTP/1.1\r\nHost: h\r\nA: 1\r\nB: 2\r\nC: 3\r\n\r\n", 1 << 20, l).error,
            Error::too_many_headers);
  EXPECT_EQ(parse("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 101\r\n\r\n", 1 << 20, l).error,
            Error::body_too_large);
  EXPECT_EQ(parse("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 100\r\n\r\n", 1 << 20, l).error,
            Error::none);
}

TEST(Http1RequestParser, StatusMapping) {
  using strata::codec::http1::status;
  EXPECT_EQ(status(Error::request_line_too_long), 414);
  EXPECT_EQ(status(Error::headers_too_large), 431);
  EXPECT_EQ(status(Error::too_many_headers), 431);
  EXPECT_EQ(status(Error::body_too_large), 413);
  EXPECT_EQ(status(Error::unsupported_transfer_encoding), 501);
  EXPECT_EQ(status(Error::version_not_supported), 505);
  EXPECT_EQ(status(Error::obs_fold), 400);
  EXPECT_EQ(strata::codec::http1::reason(Error::obs_fold), "obs_fold");
}

TEST(Http1RequestParser, ReusedForNextRequest) {
  RequestParser parser;
  http::Request req;
  std::string two = "GET /1 HTTP/1.1\r\nHost: h\r\n\r\nGET /2 HTTP/1.1\r\nHost: h\r\n\r\n";
  parser.start(&req);
  auto r = parser.parse(two);
  ASSERT_EQ(r.status, RequestParser::Status::done);
  EXPECT_EQ(req.target, "/1");
  parser.start(&req);
  auto r2 = parser.parse(std::string_view(two).substr(r.consumed));
  ASSERT_EQ(r2.status, RequestParser::Status::done);
  EXPECT_EQ(req.target, "/2");
  EXPECT_EQ(r.consumed + r2.consumed, two.size());
}
