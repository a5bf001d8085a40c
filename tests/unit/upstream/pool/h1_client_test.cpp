#include "upstream/pool/h1_client.hpp"

#include <gtest/gtest.h>

#include <string>

namespace strata::upstream::pool {
namespace {

UpstreamRequest get(std::string target) {
  UpstreamRequest r;
  r.method = "GET";
  r.scheme = "http";
  r.target = std::move(target);
  r.authority = "origin.test";
  return r;
}

TEST(H1ClientHead, RequestLineHostFieldsAndBlankLine) {
  auto r = get("/a?b=1");
  r.headers.add("user-agent", "curl/7.88.1");
  r.headers.add("x-forwarded-for", "127.0.0.1, 10.0.0.2");
  EXPECT_EQ(serialize_h1_head(r),
            "GET /a?b=1 HTTP/1.1\r\nhost: origin.test\r\nuser-agent: curl/7.88.1\r\n"
            "x-forwarded-for: 127.0.0.1, 10.0.0.2\r\n\r\n");
}

// A connection's reused head buffer: the head is written from its start,
// the buffer keeps its size (no zero-fill per request), the length is
// returned; a buffer too small grows.
TEST(H1ClientHead, ReusingWritesFromTheStartAndKeepsTheBuffer) {
  auto big = get("/" + std::string(300, 'p'));
  big.headers.add("user-agent", "curl/7.88.1");
  auto small = get("/s");
  std::string buf;
  const std::size_t n1 = serialize_h1_head_reusing(big, buf);
  EXPECT_EQ(buf.substr(0, n1), serialize_h1_head(big));
  const std::size_t high = buf.size();
  EXPECT_GE(high, n1);
  const std::size_t n2 = serialize_h1_head_reusing(small, buf);
  EXPECT_EQ(buf.substr(0, n2), serialize_h1_head(small));
  EXPECT_EQ(buf.size(), high);  // kept: no resize below the high-water mark
  EXPECT_EQ(serialize_h1_head_reusing(big, buf), n1);
  EXPECT_EQ(buf.substr(0, n1), serialize_h1_head(big));
}

// A field whose name or value holds CR, LF or NUL is not sent (it would
// split the head: request smuggling); the fields around it are.
TEST(H1ClientHead, FieldsWithLineBreaksOrNulAreDropped) {
  auto r = get("/");
  r.headers.add("a", "1");
  r.headers.add("x-evil", "v\r\nx-injected: 1");
  r.headers.add("x-evil-name\n", "v");
  r.headers.add("x-nul", std::string_view("a\0b", 3));
  r.headers.add("x-long", std::string(40, 'v') + "\n");
  r.headers.add("b", "");
  EXPECT_EQ(serialize_h1_head(r), "GET / HTTP/1.1\r\nhost: origin.test\r\na: 1\r\nb: \r\n\r\n");
}

TEST(H1ClientHead, FramingAndHostComeFromTheRequestNotItsFields) {
  auto r = get("");
  r.method = "POST";
  r.authority = "bad\r\nhost";  // not sent: an empty host instead
  r.headers.add("host", "other");
  r.headers.add("content-length", "999");
  r.headers.add("transfer-encoding", "chunked");
  r.content_length = 5;
  EXPECT_EQ(serialize_h1_head(r), "POST / HTTP/1.1\r\nhost: \r\ncontent-length: 5\r\n\r\n");
  r.content_length.reset();
  r.has_body = true;
  EXPECT_EQ(serialize_h1_head(r), "POST / HTTP/1.1\r\nhost: \r\ntransfer-encoding: chunked\r\n\r\n");
}

TEST(H1ClientHead, UpgradeFields) {
  auto r = get("/ws");
  r.upgrade = "websocket";
  EXPECT_EQ(serialize_h1_head(r),
            "GET /ws HTTP/1.1\r\nhost: origin.test\r\nconnection: upgrade\r\nupgrade: websocket\r\n\r\n");
  r.upgrade = "web\nsocket";
  EXPECT_EQ(serialize_h1_head(r), "GET /ws HTTP/1.1\r\nhost: origin.test\r\n\r\n");
}

}  // namespace
}  // namespace strata::upstream::pool
