#include <gtest/gtest.h>

#include <string>

#include "codec/http1/response_serializer.hpp"

using namespace strata::codec::http1;
namespace http = strata::http;

TEST(Http1ResponseSerializer, FramingDecisions) {
  http::Response r;
  auto f = plan_framing(r, false, http::Protocol::http11, false);
  EXPECT_TRUE(f.chunked);
  f = plan_framing(r, false, http::Protocol::http10, false);
  EXPECT_TRUE(f.close_delimited);
  EXPECT_FALSE(f.chunked);
  f = plan_framing(r, false, http::Protocol::http11, true);
  EXPECT_TRUE(f.add_zero_length);
  EXPECT_FALSE(f.chunked);
  f = plan_framing(r, true, http::Protocol::http11, false);
  EXPECT_TRUE(f.no_body);
  EXPECT_FALSE(f.chunked);
  r.headers.add("content-length", "12");
  f = plan_framing(r, false, http::Protocol::http11, false);
  EXPECT_EQ(f.content_length.value(), 12u);
  EXPECT_FALSE(f.chunked);
  r.status = 204;
  f = plan_framing(r, false, http::Protocol::http11, false);
  EXPECT_TRUE(f.no_body);
  EXPECT_FALSE(f.content_length);
  r.status = 304;
  f = plan_framing(r, false, http::Protocol::http11, false);
  EXPECT_TRUE(f.no_body);
}

TEST(Http1ResponseSerializer, HeadWithDefaultsAndDroppedFields) {
  http::Response r;
  r.status = 200;
  r.headers.add("Content-Type", "text/plain");
  r.headers.add("connection", "keep-alive");
  r.headers.add("transfer-encoding", "gzip");
  r.headers.add("x-evil", "a\r\nInjected: 1");
  r.headers.add("bad name", "v");
  auto f = plan_framing(r, false, http::Protocol::http11, false);
  HeadOptions o;
  o.close = true;
  o.date = "Thu, 01 Jan 1970 00:00:00 GMT";
  o.server = "strata";
  o.alt_svc = "h3=\":443\"";
  std::string out;
  serialize_head(r, f, o, out);
  EXPECT_EQ(out,
            "HTTP/1.1 200 OK\r\n"
            "content-type: text/plain\r\n"
            "date: Thu, 01 Jan 1970 00:00:00 GMT\r\n"
            "server: strata\r\n"
            "alt-svc: h3=\":443\"\r\n"
            "transfer-encoding: chunked\r\n"
            "connection: close\r\n\r\n");
}

TEST(Http1ResponseSerializer, ExistingDateServerKeptAnd204DropsLength) {
  http::Response r;
  r.status = 204;
  r.headers.add("server", "mine");
  r.headers.add("content-length", "0");
  auto f = plan_framing(r, false, http::Protocol::http11, true);
  HeadOptions o;
  o.server = "strata";
  o.keep_alive = true;
  std::string out;
  serialize_head(r, f, o, out);
  EXPECT_EQ(out, "HTTP/1.1 204 No Content\r\nserver: mine\r\nconnection: keep-alive\r\n\r\n");
}

TEST(Http1ResponseSerializer, ChunksTrailersInterimAndDate) {
  char buf[20];
  EXPECT_EQ(std::string_view(buf, chunk_size_line(0x1a2b, buf)), "1a2b\r\n");
  EXPECT_EQ(std::string_view(buf, chunk_size_line(0, buf)), "0\r\n");
  EXPECT_EQ(std::string_view(buf, chunk_size_line(UINT64_MAX, buf)), "ffffffffffffffff\r\n");
  http::Headers t;
  t.add("grpc-status", "0");
  t.add("content-length", "5");
  std::string out;
  serialize_last_chunk(t, out);
  EXPECT_EQ(out, "0\r\ngrpc-status: 0\r\n\r\n");
  http::Response hints;
  hints.status = 103;
  hints.headers.add("link", "</a.css>; rel=preload");
  out.clear();
  serialize_interim(hints, out);
  EXPECT_EQ(out, "HTTP/1.1 103 Early Hints\r\nlink: </a.css>; rel=preload\r\n\r\n");
  DateCache dc;
  EXPECT_EQ(dc.get(std::chrono::system_clock::time_point{}), "Thu, 01 Jan 1970 00:00:00 GMT");
}
