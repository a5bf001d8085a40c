// The opening handshake: Sec-WebSocket-Accept (RFC 6455 4.2.2 example),
// key validation, upgrade request checks on h1 and extended CONNECT.
#include <gtest/gtest.h>

#include "codec/websocket/handshake.hpp"
#include "http/message.hpp"

namespace strata::codec::websocket {
namespace {

http::Request h1_upgrade() {
  http::Request r;
  r.method = "GET";
  r.target = "/hub";
  r.protocol = http::Protocol::http11;
  r.headers.add("Upgrade", "websocket");
  r.headers.add("Connection", "keep-alive, Upgrade");
  r.headers.add("Sec-WebSocket-Key", "dGhlIHNhbXBsZSBub25jZQ==");
  r.headers.add("Sec-WebSocket-Version", "13");
  return r;
}

TEST(WsHandshake, AcceptKeyOfTheRfcExample) {
  EXPECT_EQ(accept_key("dGhlIHNhbXBsZSBub25jZQ=="), "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");
}

TEST(WsHandshake, ClientKeyValidation) {
  EXPECT_TRUE(valid_client_key("dGhlIHNhbXBsZSBub25jZQ=="));
  EXPECT_FALSE(valid_client_key(""));
  EXPECT_FALSE(valid_client_key("dGhlIHNhbXBsZSBub25jZQ="));     // 23 chars
  EXPECT_FALSE(valid_client_key("dGhlIHNhbXBsZSBub25jZR=="));    // non-zero padding bits
  EXPECT_FALSE(valid_client_key("dGhlIHNhbXBsZSBub25j*Q=="));
  EXPECT_FALSE(valid_client_key("dGhlIHNhbXBsZSBub25jZQAA"));
  for (int i = 0; i < 20; ++i) EXPECT_TRUE(valid_client_key(make_client_key()));
}

TEST(WsHandshake, H1UpgradeAccepted) {
  EXPECT_EQ(check_upgrade_request(h1_upgrade()), HandshakeError::none);
  auto r = h1_upgrade();
  r.headers.set("upgrade", "WebSocket");
  EXPECT_EQ(check_upgrade_request(r), HandshakeError::none);
}

TEST(WsHandshake, H1UpgradeRejections) {
  auto r = h1_upgrade();
  r.headers.remove("upgrade");
  EXPECT_EQ(check_upgrade_request(r), HandshakeError::not_websocket);
  r = h1_upgrade();
  r.headers.set("connection", "keep-alive");
  EXPECT_EQ(check_upgrade_request(r), HandshakeError::not_websocket);
  r = h1_upgrade();
  r.method = "POST";
  EXPECT_EQ(check_upgrade_request(r), HandshakeError::bad_method);
  r = h1_upgrade();
  r.headers.set("sec-websocket-version", "8");
  EXPECT_EQ(check_upgrade_request(r), HandshakeError::bad_version);
  EXPECT_EQ(handshake_status(HandshakeError::bad_version), 426);
  r = h1_upgrade();
  r.headers.remove("sec-websocket-version");
  EXPECT_EQ(check_upgrade_request(r), HandshakeError::bad_version);
  r = h1_upgrade();
  r.headers.set("sec-websocket-key", "short");
  EXPECT_EQ(check_upgrade_request(r), HandshakeError::bad_key);
  EXPECT_EQ(handshake_status(HandshakeError::bad_key), 400);
  r = h1_upgrade();
  r.protocol = http::Protocol::http10;
  EXPECT_EQ(check_upgrade_request(r), HandshakeError::not_websocket);
}

TEST(WsHandshake, ExtendedConnect) {
  http::Request r;
  r.method = "CONNECT";
  r.protocol = http::Protocol::h2;
  r.connect_protocol = "websocket";
  r.headers.add("sec-websocket-version", "13");
  EXPECT_EQ(check_upgrade_request(r), HandshakeError::none);  // no key on h2/h3
  r.protocol = http::Protocol::h3;
  EXPECT_EQ(check_upgrade_request(r), HandshakeError::none);
  r.connect_protocol = "connect-udp";
  EXPECT_EQ(check_upgrade_request(r), HandshakeError::not_websocket);
}

TEST(WsHandshake, TokenLists) {
  EXPECT_TRUE(has_token("keep-alive, Upgrade", "upgrade"));
  EXPECT_TRUE(has_token("upgrade", "upgrade"));
  EXPECT_FALSE(has_token("upgrades, x", "upgrade"));
  EXPECT_FALSE(has_token("", "upgrade"));
}

}  // namespace
}  // namespace strata::codec::websocket
