#include "tools/plan/header_cost.hpp"

#include <gtest/gtest.h>

using namespace strata::tools::plan;

TEST(PlanHeaders, Http1TextCountedByHand) {
  // "GET /x HTTP/1.1\r\n" 17 + "host: a.b\r\n" 11 + "accept: */*\r\n" 13 + "\r\n" 2
  EXPECT_EQ(http1_head_bytes({{":method", "GET"}, {":scheme", "https"}, {":authority", "a.b"},
                              {":path", "/x"}, {"accept", "*/*"}}),
            43u);
  // "HTTP/1.1 200 OK\r\n" 17 + "server: s\r\n" 11 + "\r\n" 2
  EXPECT_EQ(http1_head_bytes({{":status", "200"}, {"server", "s"}}), 30u);
}

TEST(PlanHeaders, HpackStaticFieldsAreOneByteEach) {
  HeaderSet s{{{":method", "GET"}, {":scheme", "https"}, {":path", "/"}}, {}};
  auto c = hpack_cost(s);
  EXPECT_EQ(c.first, 3u);
  EXPECT_EQ(c.steady, 3u);
}

TEST(PlanHeaders, HpackIndexesARepeatedFieldAfterTheFirstMessage) {
  // First: 3 static + literal with incremental indexing, name index 1
  // (1 byte) + length (1) + "a.b" (3; Huffman is 17 bits = 3 bytes, not
  // shorter) = 8. Later: 3 static + dynamic index 62 (1 byte) = 4.
  HeaderSet s{{{":method", "GET"}, {":scheme", "https"}, {":path", "/"}, {":authority", "a.b"}}, {}};
  auto c = hpack_cost(s);
  EXPECT_EQ(c.first, 8u);
  EXPECT_EQ(c.steady, 4u);
}

TEST(PlanHeaders, HpackVaryingValueKeepsItsIndexedName) {
  // First: 0x40, name "x-id" Huffman 23 bits -> 1 + 3, value "aaa1" 20 bits
  // -> 1 + 3: 9. Later: name from the dynamic table (0x7e) + value 1 + 3: 5.
  HeaderSet s{{{"x-id", "aaaa"}}, {"x-id"}};
  auto c = hpack_cost(s);
  EXPECT_EQ(c.first, 9u);
  EXPECT_EQ(c.steady, 5u);
}

TEST(PlanHeaders, QpackStaticFieldsArePrefixPlusOneByteEach) {
  // Prefix (Required Insert Count 0, Base 0) 2 bytes; :method GET (static
  // 17) and :path / (static 1) one byte each. The encoder stream opens with
  // Set Dynamic Table Capacity 4096: 0x3f + varint 4065 (0xe1 0x1f) = 3.
  HeaderSet s{{{":method", "GET"}, {":path", "/"}}, {}};
  auto c = qpack_cost(s);
  EXPECT_EQ(c.first, 4u);
  EXPECT_EQ(c.steady, 4u);
  EXPECT_EQ(c.encoder_stream_first, 3u);
}

TEST(PlanHeaders, DefaultSetsShrinkOnceTheTablesAreWarm) {
  auto req = default_request_headers(2048);
  auto h1 = http1_head_bytes(req.fields);
  auto hp = hpack_cost(req);
  auto qp = qpack_cost(req);
  EXPECT_LT(hp.first, h1);
  EXPECT_LT(qp.steady, qp.first + qp.encoder_stream_first);
  // The bearer token is never indexed (nghttp2 and nghttp3 keep
  // authorization out of the tables): ~225 bytes of Huffman on every request.
  EXPECT_GT(hp.steady, 200u);
  EXPECT_GT(qp.steady, 200u);
  // Without it, a warm table turns the rest into a few bytes of indexes
  // (the path varies: it stays a literal with an indexed name).
  auto no_auth = req;
  no_auth.fields.pop_back();
  ASSERT_EQ(req.fields.back().first, "authorization");
  EXPECT_LT(hpack_cost(no_auth).steady, 40u);
  EXPECT_LT(qpack_cost(no_auth).steady, 40u);
  EXPECT_GT(hpack_cost(no_auth).first, 60u);
}
