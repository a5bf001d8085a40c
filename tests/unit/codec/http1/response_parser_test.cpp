#include "codec/http1/response_parser.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

using strata::codec::http1::BodyDecoder;
using strata::codec::http1::BodyFraming;
using strata::codec::http1::Error;
using strata::codec::http1::Limits;
using strata::codec::http1::ResponseParser;
using S = ResponseParser::Status;
using namespace std::string_literals;

namespace {

struct Parsed {
  S status = S::need_more;
  Error error = Error::none;
  std::size_t consumed = 0;
  strata::http::Response resp;
  strata::codec::http1::ResponseFacts facts;
};

// Parses one head, fed whole or one byte at a time (keeping the unconsumed
// tail like a connection does); both ways must agree.
Parsed parse(const std::string& in, bool head_request = false, Limits limits = {},
             ResponseParser::Fields fields = ResponseParser::Fields::all) {
  Parsed whole;
  {
    ResponseParser p(limits);
    p.set_fields(fields);
    p.start(&whole.resp, head_request);
    auto r = p.parse(in);
    whole.status = r.status;
    whole.consumed = r.consumed;
    whole.error = p.error();
    whole.facts = p.facts();
  }
  Parsed split;
  ResponseParser p(limits);
  p.set_fields(fields);
  p.start(&split.resp, head_request);
  std::string pending;
  std::size_t fed = 0;
  for (char c : in) {
    pending.push_back(c);
    ++fed;
    auto r = p.parse(pending);
    pending.erase(0, r.consumed);
    split.status = r.status;
    if (r.status != S::need_more) break;
  }
  split.consumed = fed - pending.size();
  split.error = p.error();
  EXPECT_EQ(split.status, whole.status) << in;
  EXPECT_EQ(split.error, whole.error) << in;
  if (whole.status == S::done) {
    EXPECT_EQ(split.consumed, whole.consumed) << in;
  }
  return whole;
}

Error refused(const std::string& in, bool head_request = false, Limits limits = {}) {
  auto r = parse(in, head_request, limits);
  EXPECT_EQ(r.status, S::error) << in;
  return r.error;
}

}  // namespace

TEST(Http1ResponseParser, ParsesAStatusLineFieldsAndFraming) {
  auto r = parse("HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 5\r\n\r\nhello");
  ASSERT_EQ(r.status, S::done);
  EXPECT_EQ(r.resp.status, 200);
  EXPECT_EQ(r.resp.headers.get("content-type"), "text/plain");
  EXPECT_EQ(r.resp.headers.get("content-length"), "5");
  EXPECT_EQ(r.facts.body, BodyFraming::length);
  EXPECT_EQ(r.facts.content_length, 5u);
  EXPECT_TRUE(r.facts.keep_alive);
  EXPECT_FALSE(r.facts.interim);
  EXPECT_EQ(std::string("HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 5\r\n\r\n").size(),
            r.consumed);
}

TEST(Http1ResponseParser, ReasonPhraseIsOptional) {
  EXPECT_EQ(parse("HTTP/1.1 204\r\n\r\n").status, S::done);
  EXPECT_EQ(parse("HTTP/1.1 204 \r\n\r\n").status, S::done);
  EXPECT_EQ(parse("HTTP/1.1 404 Not Found Here\r\nContent-Length: 0\r\n\r\n").resp.status, 404);
}

TEST(Http1ResponseParser, FramingFollowsRfc9112Section63) {
  EXPECT_EQ(parse("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n").facts.body,
            BodyFraming::chunked);
  auto close = parse("HTTP/1.1 200 OK\r\n\r\n");
  EXPECT_EQ(close.facts.body, BodyFraming::until_close);
  EXPECT_FALSE(close.facts.keep_alive);
  EXPECT_EQ(parse("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n").facts.body, BodyFraming::none);
  // HEAD, 204 and 304 have no body whatever the head says.
  EXPECT_EQ(parse("HTTP/1.1 200 OK\r\nContent-Length: 99\r\n\r\n", true).facts.body,
            BodyFraming::none);
  EXPECT_EQ(parse("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n", true).facts.body,
            BodyFraming::none);
  auto nm = parse("HTTP/1.1 304 Not Modified\r\nContent-Length: 1234\r\n\r\n");
  EXPECT_EQ(nm.facts.body, BodyFraming::none);
  EXPECT_TRUE(nm.facts.keep_alive);
  EXPECT_EQ(nm.resp.headers.get("content-length"), "1234");
  EXPECT_EQ(parse("HTTP/1.1 204 No Content\r\nContent-Length: 0\r\n\r\n").facts.body,
            BodyFraming::none);
}

TEST(Http1ResponseParser, KeepAliveByVersionAndConnection) {
  EXPECT_FALSE(parse("HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 0\r\n\r\n").facts.keep_alive);
  EXPECT_FALSE(parse("HTTP/1.0 200 OK\r\nContent-Length: 0\r\n\r\n").facts.keep_alive);
  EXPECT_TRUE(parse("HTTP/1.0 200 OK\r\nConnection: keep-alive\r\nContent-Length: 0\r\n\r\n").facts.keep_alive);
  EXPECT_FALSE(parse("HTTP/1.0 200 OK\r\nConnection: keep-alive, close\r\nContent-Length: 0\r\n\r\n")
                   .facts.keep_alive);
}

TEST(Http1ResponseParser, InterimHeadsAndSwitching) {
  const std::string in =
      "HTTP/1.1 100 Continue\r\n\r\n"
      "HTTP/1.1 103 Early Hints\r\nLink: </a.css>; rel=preload\r\n\r\n"
      "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n";
  strata::http::Response resp;
  ResponseParser p;
  p.start(&resp);
  std::size_t off = 0;
  std::vector<int> seen;
  for (;;) {
    auto r = p.parse(std::string_view(in).substr(off));
    ASSERT_EQ(r.status, S::done);
    off += r.consumed;
    seen.push_back(resp.status);
    if (!p.facts().interim) break;
    if (resp.status == 103) {
      EXPECT_EQ(resp.headers.get("link"), "</a.css>; rel=preload");
    }
    p.next(&resp);
  }
  EXPECT_EQ(seen, (std::vector<int>{100, 103, 200}));
  EXPECT_EQ(off, in.size());

  auto sw = parse("HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n",
                  false, {}, ResponseParser::Fields::end_to_end);
  ASSERT_EQ(sw.status, S::done);
  EXPECT_FALSE(sw.facts.interim);
  EXPECT_EQ(sw.facts.body, BodyFraming::none);
  EXPECT_EQ(sw.resp.headers.get("upgrade"), "websocket");
  EXPECT_FALSE(sw.resp.headers.has("connection"));
}

TEST(Http1ResponseParser, EndlessInterimHeadsAreRefused) {
  strata::http::Response resp;
  ResponseParser p;
  p.start(&resp);
  const std::string_view cont = "HTTP/1.1 100 Continue\r\n\r\n";
  std::uint32_t n = 0;
  for (; n < 100; ++n) {
    auto r = p.parse(cont);
    if (r.status == S::error) break;
    ASSERT_EQ(r.status, S::done);
    p.next(&resp);
  }
  EXPECT_EQ(n, ResponseParser::kMaxInterim);
  EXPECT_EQ(p.error(), Error::too_many_interim);
}

TEST(Http1ResponseParser, EndToEndDropsConnectionFieldsAndKeepsOneContentLength) {
  auto r = parse(
      "HTTP/1.1 200 OK\r\nConnection: keep-alive\r\nKeep-Alive: timeout=5\r\n"
      "Proxy-Connection: x\r\nTE: trailers\r\nUpgrade: h2c\r\nContent-Length: 3, 3\r\n"
      "Content-Length: 3\r\nX-Kept: 1\r\n\r\n",
      false, {}, ResponseParser::Fields::end_to_end);
  ASSERT_EQ(r.status, S::done);
  ASSERT_EQ(r.resp.headers.size(), 2u);
  EXPECT_EQ(r.resp.headers.get("content-length"), "3");
  EXPECT_EQ(r.resp.headers.get("x-kept"), "1");
  auto all = parse("HTTP/1.1 200 OK\r\nConnection: keep-alive\r\nContent-Length: 0\r\n\r\n");
  EXPECT_EQ(all.resp.headers.size(), 2u);
  auto none = parse("HTTP/1.1 200 OK\r\nX-A: b\r\nContent-Length: 0\r\n\r\n", false, {},
                    ResponseParser::Fields::none);
  EXPECT_EQ(none.status, S::done);
  EXPECT_TRUE(none.resp.headers.empty());
}

// RFC 9110 7.6.1: a proxy also drops the fields Connection names.
TEST(Http1ResponseParser, EndToEndDropsFieldsNamedByConnection) {
  auto r = parse("HTTP/1.1 200 OK\r\nA: 1\r\nConnection: a, close, B\r\nb: 2\r\nC: 3\r\n"
                 "Content-Length: 0\r\n\r\n",
                 false, {}, ResponseParser::Fields::end_to_end);
  ASSERT_EQ(r.status, S::done);
  EXPECT_FALSE(r.resp.headers.has("a"));
  EXPECT_FALSE(r.resp.headers.has("b"));
  EXPECT_EQ(r.resp.headers.get("c"), "3");
  EXPECT_FALSE(r.facts.keep_alive);
  auto all = parse("HTTP/1.1 200 OK\r\nA: 1\r\nConnection: a\r\nContent-Length: 0\r\n\r\n");
  EXPECT_EQ(all.resp.headers.get("a"), "1");
}

// The request smuggling vectors, answered by an upstream: each is refused
// (the proxy answers 502), never relayed.
TEST(Http1ResponseParser, SmugglingVectorsAreRefused) {
  EXPECT_EQ(refused("HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\n"),
            Error::conflicting_content_length);
  EXPECT_EQ(refused("HTTP/1.1 200 OK\r\nContent-Length: 5, 6\r\n\r\n"),
            Error::conflicting_content_length);
  EXPECT_EQ(refused("HTTP/1.1 200 OK\r\nContent-Length: +5\r\n\r\n"), Error::bad_content_length);
  EXPECT_EQ(refused("HTTP/1.1 200 OK\r\nContent-Length: 0x10\r\n\r\n"), Error::bad_content_length);
  EXPECT_EQ(refused("HTTP/1.1 200 OK\r\nContent-Length: 99999999999999999999\r\n\r\n"),
            Error::bad_content_length);
  EXPECT_EQ(refused("HTTP/1.1 200 OK\r\nContent-Length:\r\n\r\n"), Error::bad_content_length);
  EXPECT_EQ(refused("HTTP/1.1 200 OK\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n"),
            Error::content_length_with_transfer_encoding);
  EXPECT_EQ(refused("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nContent-Length: 5\r\n\r\n"),
            Error::content_length_with_transfer_encoding);
  EXPECT_EQ(refused("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked, gzip\r\n\r\n"),
            Error::bad_transfer_encoding);
  EXPECT_EQ(refused("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n"),
            Error::bad_transfer_encoding);
  EXPECT_EQ(refused("HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\n"),
            Error::unsupported_transfer_encoding);
  EXPECT_EQ(refused("HTTP/1.1 200 OK\r\nTransfer-Encoding: xchunked\r\n\r\n"),
            Error::unsupported_transfer_encoding);
  EXPECT_EQ(refused("HTTP/1.1 200 OK\r\nTransfer-Encoding: \r\n\r\n"), Error::bad_transfer_encoding);
  EXPECT_EQ(refused("HTTP/1.0 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"),
            Error::bad_transfer_encoding);
  EXPECT_EQ(refused("HTTP/1.1 200 OK\r\nTransfer-Encoding : chunked\r\n\r\n"), Error::bad_header_name);
  EXPECT_EQ(refused("HTTP/1.1 200 OK\r\n Transfer-Encoding: chunked\r\n\r\n"), Error::obs_fold);
  EXPECT_EQ(refused("HTTP/1.1 200 OK\r\nX-A: b\r\n\tc\r\n\r\n"), Error::obs_fold);
  EXPECT_EQ(refused("HTTP/1.1 200 OK\r\nX-A: b\rContent-Length: 0\r\n\r\n"), Error::bare_cr);
  EXPECT_EQ(refused("HTTP/1.1 200 OK\nContent-Length: 0\r\n\r\n"), Error::bare_lf);
  EXPECT_EQ(refused("HTTP/1.1 200 OK\r\nContent-Length: 0\n\r\n"), Error::bare_lf);
  EXPECT_EQ(refused("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\n"), Error::bare_lf);
  EXPECT_EQ(refused("HTTP/1.1 200 OK\r\nX-A: a\0b\r\n\r\n"s), Error::bad_header_value);
  EXPECT_EQ(refused("HTTP/1.1 200 O\0K\r\n\r\n"s), Error::bad_status_line);
  EXPECT_EQ(refused("HTTP/1.1 200 O\rK\r\n\r\n"), Error::bare_cr);
  EXPECT_EQ(refused("HTTP/1.1 200 OK\r\nX\x01Y: 1\r\n\r\n"), Error::bad_header_name);
  EXPECT_EQ(refused("HTTP/1.1 200 OK\r\n: empty\r\n\r\n"), Error::bad_header_name);
  // 1xx and 204 carry no body: framing on them would leave bytes of unknown
  // meaning on a pooled connection.
  EXPECT_EQ(refused("HTTP/1.1 204 No Content\r\nContent-Length: 5\r\n\r\n"), Error::body_not_allowed);
  EXPECT_EQ(refused("HTTP/1.1 204 No Content\r\nTransfer-Encoding: chunked\r\n\r\n"),
            Error::body_not_allowed);
  EXPECT_EQ(refused("HTTP/1.1 100 Continue\r\nContent-Length: 5\r\n\r\n"), Error::body_not_allowed);
  EXPECT_EQ(refused("HTTP/1.1 101 Switching Protocols\r\nTransfer-Encoding: chunked\r\n\r\n"),
            Error::body_not_allowed);
}

TEST(Http1ResponseParser, InvalidStatusLinesAreRefused) {
  for (const char* bad : {"HTTP/1.1 20 OK\r\n\r\n", "HTTP/1.1 2000 OK\r\n\r\n", "HTTP/1.1  200 OK\r\n\r\n",
                          "HTTP/1.1 099 Low\r\n\r\n", "HTTP/1.1 600 High\r\n\r\n",
                          "HTTP/1.1 abc OK\r\n\r\n", "http/1.1 200 OK\r\n\r\n", "HTTP/1.1\t200 OK\r\n\r\n",
                          "HTTP/1.1 200\tOK\r\n\r\n", "HTTP/x.1 200 OK\r\n\r\n", "ICY 200 OK\r\n\r\n",
                          "\r\nHTTP/1.1 200 OK\r\n\r\n", "HTTP/1.1 200 OK \x7f\r\n\r\n"})
    EXPECT_EQ(refused(bad), Error::bad_status_line) << bad;
  EXPECT_EQ(refused("HTTP/2.0 200 OK\r\n\r\n"), Error::version_not_supported);
  EXPECT_EQ(refused("HTTP/1.2 200 OK\r\n\r\n"), Error::version_not_supported);
  EXPECT_EQ(refused("HTTP/0.9 200 OK\r\n\r\n"), Error::version_not_supported);
}

TEST(Http1ResponseParser, OversizeHeadsAreRefused) {
  Limits l;
  l.max_request_line = 32;
  l.max_header_bytes = 64;
  l.max_headers = 3;
  EXPECT_EQ(refused("HTTP/1.1 200 " + std::string(40, 'a') + "\r\n\r\n", false, l), Error::headers_too_large);
  // A status line that never ends is refused before it ends.
  EXPECT_EQ(refused("HTTP/1.1 200 " + std::string(40, 'a'), false, l), Error::headers_too_large);
  EXPECT_EQ(refused("HTTP/1.1 200 OK\r\nX: " + std::string(80, 'a') + "\r\n\r\n", false, l),
            Error::headers_too_large);
  EXPECT_EQ(refused("HTTP/1.1 200 OK\r\nX: " + std::string(80, 'a'), false, l), Error::headers_too_large);
  EXPECT_EQ(refused("HTTP/1.1 200 OK\r\nA: 1\r\nB: 1\r\nC: 1\r\nD: 1\r\n\r\n", false, l),
            Error::too_many_headers);
  l.max_body = 10;
  EXPECT_EQ(refused("HTTP/1.1 200 OK\r\nContent-Length: 11\r\n\r\n", false, l), Error::body_too_large);
}

TEST(Http1ResponseParser, BodiesDecodeByFraming) {
  auto body_of = [](const std::string& in, bool& ok, strata::http::Headers* trailers = nullptr,
                    bool eof = false) {
    strata::http::Response resp;
    ResponseParser p;
    p.start(&resp);
    auto r = p.parse(in);
    ok = r.status == S::done;
    if (!ok) return std::string();
    BodyDecoder d;
    p.start_body(d, trailers);
    std::string body;
    std::string_view rest = std::string_view(in).substr(r.consumed);
    while (!d.done()) {
      auto s = d.step(rest, 4);
      if (s.status == BodyDecoder::Status::error) {
        ok = false;
        return body;
      }
      body.append(s.data);
      rest.remove_prefix(s.consumed);
      if (s.status == BodyDecoder::Status::need_more && (s.consumed == 0 || rest.empty())) {
        if (!eof || !d.finish_on_eof()) {
          ok = d.done();
          return body;
        }
      }
    }
    return body;
  };
  bool ok = false;
  EXPECT_EQ(body_of("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhelloEXTRA", ok), "hello");
  EXPECT_TRUE(ok);
  strata::http::Headers trailers;
  EXPECT_EQ(body_of("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
                    "5;name=\"v\"\r\nhello\r\n6\r\n world\r\n0\r\nX-Sum: 1\r\n\r\n",
                    ok, &trailers),
            "hello world");
  EXPECT_TRUE(ok);
  EXPECT_EQ(trailers.get("x-sum"), "1");
  EXPECT_EQ(body_of("HTTP/1.0 200 OK\r\n\r\nuntil the end", ok, nullptr, true), "until the end");
  EXPECT_TRUE(ok);
  // A delimited body cut by EOF is incomplete.
  body_of("HTTP/1.1 200 OK\r\nContent-Length: 50\r\n\r\nshort", ok, nullptr, true);
  EXPECT_FALSE(ok);
  // Bad chunk sizes.
  for (const char* bad : {"zz\r\n", "-1\r\n", "0x5\r\n", " 5\r\n", "\r\n", "5\n", "FFFFFFFFFFFFFFFFF\r\n",
                          "5;\r\n", "5 ; a=\"x\r\n"}) {
    body_of(std::string("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n") + bad + "hello\r\n0\r\n\r\n",
            ok);
    EXPECT_FALSE(ok) << bad;
  }
  // Chunk data not followed by CRLF; a bare LF in the trailers.
  body_of("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhelloX\r\n0\r\n\r\n", ok);
  EXPECT_FALSE(ok);
  body_of("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0\r\nX: 1\n\r\n", ok);
  EXPECT_FALSE(ok);
}
