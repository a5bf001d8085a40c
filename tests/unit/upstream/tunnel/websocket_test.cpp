#include "upstream/tunnel/websocket.hpp"

#include <gtest/gtest.h>

using namespace strata::upstream::tunnel;

TEST(WebSocketHandshake, AcceptOfTheRfcExample) {
  // RFC 6455 section 1.3.
  EXPECT_EQ(websocket_accept("dGhlIHNhbXBsZSBub25jZQ=="), "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");
}

TEST(WebSocketHandshake, KeysAreRandomBase64Of16Bytes) {
  const auto a = websocket_key(), b = websocket_key();
  EXPECT_EQ(a.size(), 24u);
  EXPECT_EQ(a.substr(22), "==");
  EXPECT_NE(a, b);
}
