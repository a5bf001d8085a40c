#include "tools/load/ws_client_frames.hpp"

#include <gtest/gtest.h>

using namespace strata::tools::load;

namespace {
std::string server_frame(std::uint8_t b0, std::string_view payload) {
  std::string f;
  f.push_back(char(b0));
  const std::size_t n = payload.size();
  if (n < 126) {
    f.push_back(char(n));
  } else if (n < 65536) {
    f.push_back(char(126));
    f.push_back(char(n >> 8));
    f.push_back(char(n & 0xff));
  } else {
    f.push_back(char(127));
    for (int i = 7; i >= 0; --i) f.push_back(char((std::uint64_t(n) >> (8 * i)) & 0xff));
  }
  f.append(payload);
  return f;
}
}  // namespace

TEST(WsClientFrames, ParsesTextFramesOfEveryLengthForm) {
  for (std::size_t n : {0u, 5u, 125u, 126u, 300u, 65535u, 65536u, 70000u}) {
    const std::string payload(n, 'a');
    const auto f = server_frame(0x81, payload);
    WsFrame fr;
    std::size_t used = 0;
    ASSERT_EQ(parse_server_frame(f, fr, used), WsParse::frame) << n;
    EXPECT_EQ(used, f.size());
    EXPECT_EQ(fr.opcode, 1);
    EXPECT_TRUE(fr.fin);
    EXPECT_EQ(fr.payload.size(), n);
    // every strict prefix needs more
    for (std::size_t cut : {std::size_t(0), std::size_t(1), f.size() / 2, f.size() - 1}) {
      if (cut >= f.size()) continue;
      EXPECT_EQ(parse_server_frame(std::string_view(f).substr(0, cut), fr, used), WsParse::need_more);
      EXPECT_EQ(used, 0u);
    }
  }
}

TEST(WsClientFrames, TwoFramesBackToBack) {
  const auto f = server_frame(0x81, "one") + server_frame(0x89, "p");
  WsFrame fr;
  std::size_t used = 0;
  ASSERT_EQ(parse_server_frame(f, fr, used), WsParse::frame);
  EXPECT_EQ(fr.payload, "one");
  ASSERT_EQ(parse_server_frame(std::string_view(f).substr(used), fr, used), WsParse::frame);
  EXPECT_EQ(fr.opcode, 9);
  EXPECT_EQ(fr.payload, "p");
}

TEST(WsClientFrames, RefusesWhatAServerMustNotSend) {
  WsFrame fr;
  std::size_t used = 0;
  EXPECT_EQ(parse_server_frame("\x81\x81" "abcdx", fr, used), WsParse::error);        // masked
  EXPECT_EQ(parse_server_frame(server_frame(0xC1, "x"), fr, used), WsParse::error);   // RSV1
  EXPECT_EQ(parse_server_frame(server_frame(0x83, "x"), fr, used), WsParse::error);   // opcode 3
  EXPECT_EQ(parse_server_frame(server_frame(0x09, "x"), fr, used), WsParse::error);   // fragmented ping
  EXPECT_EQ(parse_server_frame(server_frame(0x89, std::string(126, 'x')), fr, used), WsParse::error);
  EXPECT_EQ(parse_server_frame(server_frame(0x82, std::string(100, 'x')), fr, used, 99), WsParse::error);
}

TEST(WsClientFrames, ClientFrameIsMaskedAndRoundTrips) {
  const std::string payload = "hello, hub";
  const auto f = ws_client_frame(1, payload, 0x11223344);
  ASSERT_EQ(f.size(), 2 + 4 + payload.size());
  EXPECT_EQ(std::uint8_t(f[0]), 0x81);
  EXPECT_EQ(std::uint8_t(f[1]), 0x80 | payload.size());
  const char m[4] = {0x11, 0x22, 0x33, 0x44};
  EXPECT_EQ(std::string(f.data() + 2, 4), std::string(m, 4));
  std::string un;
  for (std::size_t i = 0; i < payload.size(); ++i) un.push_back(char(f[6 + i] ^ m[i % 4]));
  EXPECT_EQ(un, payload);
  const auto big = ws_client_frame(2, std::string(70000, 'z'), 1);
  EXPECT_EQ(std::uint8_t(big[1]), 0x80 | 127);
  EXPECT_EQ(big.size(), 2 + 8 + 4 + 70000u);
}

TEST(WsClientFrames, AcceptValueOfRfc6455Example) {
  EXPECT_EQ(ws_accept_for("dGhlIHNhbXBsZSBub25jZQ=="), "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");
}
