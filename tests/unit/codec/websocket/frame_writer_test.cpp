// Frame serialization (RFC 6455 5.2): header sizes and length encodings,
// masking, control frame helpers.
#include <gtest/gtest.h>

#include "codec/websocket/frame_writer.hpp"
#include "unit/codec/websocket/ws_test_util.hpp"

namespace strata::codec::websocket {
namespace {

using test::bytes;

TEST(WsFrameWriter, SmallTextFrameIsTwoByteHeaderPlusPayload) {
  EXPECT_EQ(text_frame("hi"), bytes({0x81, 0x02, 'h', 'i'}));
  EXPECT_EQ(binary_frame(""), bytes({0x82, 0x00}));
}

TEST(WsFrameWriter, LengthEncodingsAreMinimal) {
  for (std::uint64_t len : {0ull, 125ull, 126ull, 65535ull, 65536ull, (1ull << 40)}) {
    std::string h;
    append_frame_header(h, Opcode::binary, true, false, len);
    EXPECT_EQ(h.size(), frame_header_size(len, false)) << len;
    const std::uint8_t len7 = std::uint8_t(h[1]) & 0x7F;
    if (len < 126) EXPECT_EQ(len7, len);
    else if (len <= 0xFFFF) EXPECT_EQ(len7, 126);
    else EXPECT_EQ(len7, 127);
  }
  std::string h;
  append_frame_header(h, Opcode::text, true, false, 65536);
  EXPECT_EQ(h, bytes({0x81, 127, 0, 0, 0, 0, 0, 1, 0, 0}));
  h.clear();
  append_frame_header(h, Opcode::text, false, true, 300);
  EXPECT_EQ(h, bytes({0x41, 126, 0x01, 0x2C}));
}

TEST(WsFrameWriter, MaskedFrameCarriesKeyAndMaskedPayload) {
  const MaskKey key{1, 2, 3, 4};
  const std::string f = text_frame("abcdefghij", &key);
  ASSERT_EQ(f.size(), 2u + 4u + 10u);
  EXPECT_EQ(std::uint8_t(f[1]), 0x80 | 10);
  EXPECT_EQ(f.substr(2, 4), bytes({1, 2, 3, 4}));
  std::string payload = f.substr(6);
  EXPECT_NE(payload, "abcdefghij");
  apply_mask(payload.data(), payload.size(), key);
  EXPECT_EQ(payload, "abcdefghij");
}

TEST(WsFrameWriter, ApplyMaskHonoursOffsetAcrossChunks) {
  const MaskKey key{0xde, 0xad, 0xbe, 0xef};
  std::string whole(37, 'x');
  for (std::size_t i = 0; i < whole.size(); ++i) whole[i] = char(i * 7);
  std::string a = whole;
  apply_mask(a.data(), a.size(), key);
  std::string b = whole;
  apply_mask(b.data(), 5, key, 0);
  apply_mask(b.data() + 5, 13, key, 5);
  apply_mask(b.data() + 18, 19, key, 18);
  EXPECT_EQ(a, b);
}

TEST(WsFrameWriter, CloseFrameHasCodeAndReason) {
  EXPECT_EQ(close_frame(1000, "bye"), bytes({0x88, 5, 0x03, 0xE8, 'b', 'y', 'e'}));
  EXPECT_EQ(close_frame(0), bytes({0x88, 0}));
}

TEST(WsFrameWriter, CloseReasonCutAtCharacterBoundary) {
  std::string reason(122, 'a');
  reason += "\xC3\xA9\xC3\xA9";  // é é: the first one straddles byte 123
  const std::string f = close_frame(4000, reason);
  const std::size_t payload = std::uint8_t(f[1]);
  EXPECT_LE(payload, kMaxControlPayload);
  EXPECT_EQ(f.substr(4), std::string(122, 'a'));
}

TEST(WsFrameWriter, PingPongPayloadCutTo125) {
  const std::string f = ping_frame(std::string(200, 'p'));
  EXPECT_EQ(std::uint8_t(f[0]), 0x89);
  EXPECT_EQ(std::uint8_t(f[1]), 125);
  EXPECT_EQ(std::uint8_t(pong_frame("x")[0]), 0x8A);
}

TEST(WsFrameWriter, WriteFrameHeaderIntoFixedBuffer) {
  std::uint8_t buf[kMaxHeaderSize];
  const MaskKey key{9, 9, 9, 9};
  EXPECT_EQ(write_frame_header(buf, Opcode::binary, true, false, 70000, &key), 14u);
  EXPECT_EQ(buf[0], 0x82);
  EXPECT_EQ(buf[1], 0x80 | 127);
}

}  // namespace
}  // namespace strata::codec::websocket
