// Conformance, RFC 6455 5.2 framing / reserved bits / opcodes / masking:
// each bad input answered with the exact close code, under every split of
// the input (whole, byte at a time, ...).
#include <gtest/gtest.h>

#include "unit/codec/websocket/ws_test_util.hpp"

namespace strata::codec::websocket {
namespace {

using K = MessageReader::Event::Kind;
using test::bytes;
using test::cframe;
using test::error_code;
using test::run_all_splits;

TEST(WsFraming, TextAndBinaryMessages) {
  const auto evs = run_all_splits(cframe(Opcode::text, "hello") + cframe(Opcode::binary, std::string("\0\xff", 2)) +
                                  cframe(Opcode::text, ""));
  ASSERT_EQ(evs.size(), 3u);
  EXPECT_EQ(evs[0].kind, K::message);
  EXPECT_EQ(evs[0].opcode, Opcode::text);
  EXPECT_EQ(evs[0].payload, "hello");
  EXPECT_EQ(evs[1].opcode, Opcode::binary);
  EXPECT_EQ(evs[1].payload, std::string("\0\xff", 2));
  EXPECT_EQ(evs[2].payload, "");
}

TEST(WsFraming, LengthsAtEncodingBoundaries) {
  for (std::size_t len : {125u, 126u, 127u, 65535u, 65536u, 100000u}) {
    const std::string payload(len, 'z');
    MessageReader r(Role::server, {});
    const auto evs = test::drive(r, cframe(Opcode::binary, payload), 0);
    ASSERT_EQ(evs.size(), 1u) << len;
    EXPECT_EQ(evs[0].payload.size(), len);
  }
  const auto evs = run_all_splits(cframe(Opcode::text, std::string(300, 'q')));
  ASSERT_EQ(evs.size(), 1u);
  EXPECT_EQ(evs[0].payload, std::string(300, 'q'));
}

TEST(WsFraming, WholeFrameInOneChunkIsZeroCopyAndUnmaskedInPlace) {
  std::string wire = cframe(Opcode::text, "in place");
  MessageReader r(Role::server, {});
  std::span<char> in(wire.data(), wire.size());
  const auto ev = r.next(in);
  ASSERT_EQ(ev.kind, K::message);
  EXPECT_EQ(ev.payload, "in place");
  EXPECT_EQ(ev.payload.data(), wire.data() + 6);
  EXPECT_TRUE(in.empty());
  EXPECT_EQ(r.next(in).kind, K::need_more);
  EXPECT_TRUE(r.idle());
  EXPECT_EQ(r.buffered(), 0u);
}

TEST(WsFraming, PartialFrameIsBufferedThenReleased) {
  std::string wire = cframe(Opcode::text, std::string(100, 'a'));
  MessageReader r(Role::server, {});
  std::span<char> a(wire.data(), 50);
  EXPECT_EQ(r.next(a).kind, K::need_more);
  EXPECT_FALSE(r.idle());
  std::span<char> b(wire.data() + 50, wire.size() - 50);
  const auto ev = r.next(b);
  ASSERT_EQ(ev.kind, K::message);
  EXPECT_EQ(ev.payload, std::string(100, 'a'));
  EXPECT_EQ(r.next(b).kind, K::need_more);
  EXPECT_TRUE(r.idle());
  EXPECT_EQ(r.buffered(), 0u);
}

TEST(WsFraming, Rsv1WithoutDeflateIs1002) {
  EXPECT_EQ(error_code(run_all_splits(cframe(Opcode::text, "x", true, true))), 1002);
}

TEST(WsFraming, Rsv2AndRsv3Are1002) {
  for (int bit : {0x20, 0x10, 0x30}) {
    std::string f = cframe(Opcode::text, "x");
    f[0] = char(std::uint8_t(f[0]) | bit);
    EXPECT_EQ(error_code(run_all_splits(f)), 1002) << bit;
  }
  // Also on a control frame and after a good message (fail after delivering it).
  std::string ping = cframe(Opcode::ping, "");
  ping[0] = char(std::uint8_t(ping[0]) | 0x20);
  const auto evs = run_all_splits(cframe(Opcode::text, "ok") + ping);
  ASSERT_EQ(evs.size(), 2u);
  EXPECT_EQ(evs[0].payload, "ok");
  EXPECT_EQ(evs[1].error, Error::reserved_bits);
  EXPECT_EQ(evs[1].code, 1002);
}

TEST(WsFraming, ReservedOpcodesAre1002) {
  for (int op : {3, 4, 5, 6, 7, 0xB, 0xC, 0xD, 0xE, 0xF}) {
    const auto evs = run_all_splits(cframe(Opcode(op), "x"));
    EXPECT_EQ(error_code(evs), 1002) << op;
    EXPECT_EQ(evs.back().error, Error::unknown_opcode);
  }
}

TEST(WsFraming, FailsFastOnTheFirstTwoBytes) {
  // A reserved opcode is reported without waiting for the rest of the frame.
  std::string two = bytes({0x83, 0xFF});
  MessageReader r(Role::server, {});
  std::span<char> in(two.data(), two.size());
  EXPECT_EQ(r.next(in).code, 1002);
}

TEST(WsFraming, UnmaskedClientFrameIs1002) {
  const auto evs = run_all_splits(text_frame("x"));
  EXPECT_EQ(error_code(evs), 1002);
  EXPECT_EQ(evs.back().error, Error::unmasked_frame);
}

TEST(WsFraming, ClientRoleParsesUnmaskedAndRejectsMasked) {
  MessageReader ok(Role::client, {});
  auto evs = test::drive(ok, text_frame("srv") + ping_frame("p"), 1);
  ASSERT_EQ(evs.size(), 2u);
  EXPECT_EQ(evs[0].payload, "srv");
  EXPECT_EQ(evs[1].kind, K::ping);
  MessageReader bad(Role::client, {});
  evs = test::drive(bad, cframe(Opcode::text, "x"), 0);
  EXPECT_EQ(error_code(evs), 1002);
  EXPECT_EQ(evs.back().error, Error::masked_frame);
}

TEST(WsFraming, SixtyFourBitLengthWithMsbIs1002) {
  std::string f = bytes({0x82, 0xFF, 0x80, 0, 0, 0, 0, 0, 0, 0, 1, 2, 3, 4});
  const auto evs = run_all_splits(f);
  EXPECT_EQ(error_code(evs), 1002);
  EXPECT_EQ(evs.back().error, Error::length_msb_set);
}

TEST(WsFraming, NonMinimalLengthsAreRejected) {
  // 16-bit length holding 5; 64-bit length holding 200.
  for (const std::string& f : {bytes({0x82, 0xFE, 0, 5, 1, 2, 3, 4}),
                               bytes({0x82, 0xFF, 0, 0, 0, 0, 0, 0, 0, 200, 1, 2, 3, 4})}) {
    const auto evs = run_all_splits(f);
    EXPECT_EQ(error_code(evs), 1002);
    EXPECT_EQ(evs.back().error, Error::non_minimal_length);
  }
}

TEST(WsFraming, ManyFramesInOneChunkAllDelivered) {
  std::string wire;
  for (int i = 0; i < 50; ++i) wire += cframe(Opcode::text, std::to_string(i));
  const auto evs = run_all_splits(wire);
  ASSERT_EQ(evs.size(), 50u);
  for (int i = 0; i < 50; ++i) EXPECT_EQ(evs[std::size_t(i)].payload, std::to_string(i));
}

TEST(WsFraming, ErrorIsSticky) {
  std::string wire = text_frame("unmasked");
  MessageReader r(Role::server, {});
  std::span<char> in(wire.data(), wire.size());
  EXPECT_EQ(r.next(in).kind, K::error);
  std::string more = cframe(Opcode::text, "x");
  std::span<char> in2(more.data(), more.size());
  const auto ev = r.next(in2);
  EXPECT_EQ(ev.kind, K::error);
  EXPECT_EQ(ev.code, 1002);
  EXPECT_TRUE(r.failed());
}

}  // namespace
}  // namespace strata::codec::websocket
