// Conformance, RFC 7692 permessage-deflate on the wire: compressed
// messages (single and fragmented), RSV1 rules (1002), bad compressed data
// (1007), inflated size over the limit (1009), context takeover.
#include <gtest/gtest.h>
#include <zlib.h>

#include "codec/websocket/deflate.hpp"
#include "unit/codec/websocket/ws_test_util.hpp"

namespace strata::codec::websocket {
namespace {

using K = MessageReader::Event::Kind;
using test::cframe;
using test::error_code;
using test::run_all_splits;

std::string ccompressed(Opcode op, std::string_view msg) {
  return cframe(op, deflate_once(msg), true, true);
}

TEST(WsCompression, DeflateOnceRoundTrip) {
  const std::string msg = R"({"push":{"channel":"chat:a","pub":{"offset":6,"data":{"text":"hello hello hello"}}}})";
  const std::string z = deflate_once(msg);
  EXPECT_LT(z.size(), msg.size());
  ASSERT_GE(z.size(), 4u);
  EXPECT_NE(z.substr(z.size() - 4), std::string("\x00\x00\xff\xff", 4));
  Inflater inf(15, true);
  std::string out;
  ASSERT_EQ(inf.inflate(z, out, 1 << 20), Error::none);
  ASSERT_EQ(inf.finish(out, 1 << 20), Error::none);
  EXPECT_EQ(out, msg);
  EXPECT_FALSE(inf.holds_state());  // no context takeover: zlib state freed after the message
}

TEST(WsCompression, EmptyMessageIsOneZeroByte) {
  EXPECT_EQ(deflate_once(""), std::string("\x00", 1));
  const auto evs = run_all_splits(ccompressed(Opcode::text, ""), {}, true);
  ASSERT_EQ(evs.size(), 1u);
  EXPECT_EQ(evs[0].payload, "");
}

TEST(WsCompression, CompressedTextMessage) {
  const std::string msg(500, 'a');
  const auto evs = run_all_splits(ccompressed(Opcode::text, msg) + ccompressed(Opcode::binary, "bin"), {}, true);
  ASSERT_EQ(evs.size(), 2u);
  EXPECT_EQ(evs[0].payload, msg);
  EXPECT_TRUE(evs[0].compressed);
  EXPECT_EQ(evs[1].opcode, Opcode::binary);
  EXPECT_EQ(evs[1].payload, "bin");
}

TEST(WsCompression, UncompressedMessagesStillAllowed) {
  const auto evs = run_all_splits(cframe(Opcode::text, "plain"), {}, true);
  ASSERT_EQ(evs.size(), 1u);
  EXPECT_EQ(evs[0].payload, "plain");
  EXPECT_FALSE(evs[0].compressed);
}

TEST(WsCompression, FragmentedCompressedMessage) {
  std::string msg;
  for (int i = 0; i < 200; ++i) msg += "fragment " + std::to_string(i) + " ";
  const std::string z = deflate_once(msg);
  const std::size_t a = z.size() / 3, b = 2 * z.size() / 3;
  const std::string wire = cframe(Opcode::text, z.substr(0, a), false, true) +
                           cframe(Opcode::ping, "p") +
                           cframe(Opcode::continuation, z.substr(a, b - a), false) +
                           cframe(Opcode::continuation, z.substr(b), true);
  const auto evs = run_all_splits(wire, {}, true);
  ASSERT_EQ(evs.size(), 2u);
  EXPECT_EQ(evs[0].kind, K::ping);
  EXPECT_EQ(evs[1].payload, msg);
}

TEST(WsCompression, Rsv1OnContinuationIs1002) {
  const std::string z = deflate_once("hello there");
  const auto evs = run_all_splits(cframe(Opcode::text, z.substr(0, 3), false, true) +
                                  cframe(Opcode::continuation, z.substr(3), true, true), {}, true);
  EXPECT_EQ(error_code(evs), 1002);
  EXPECT_EQ(evs.back().error, Error::reserved_bits);
}

TEST(WsCompression, Rsv1WhenNotNegotiatedIs1002) {
  EXPECT_EQ(error_code(run_all_splits(ccompressed(Opcode::text, "x"), {}, false)), 1002);
}

TEST(WsCompression, BadCompressedDataIs1007) {
  // Block type 3 is invalid deflate.
  for (const std::string& bad : {std::string("\xff\xff\xff\xff", 4), std::string("\x07\x00", 2)}) {
    const auto evs = run_all_splits(cframe(Opcode::binary, bad, true, true), {}, true);
    EXPECT_EQ(error_code(evs), 1007);
    EXPECT_EQ(evs.back().error, Error::bad_compressed_data);
  }
}

TEST(WsCompression, InflatedTextNotUtf8Is1007) {
  const auto evs = run_all_splits(ccompressed(Opcode::text, "ok \xed\xa0\x80"), {}, true);
  EXPECT_EQ(error_code(evs), 1007);
  EXPECT_EQ(evs.back().error, Error::invalid_utf8);
}

TEST(WsCompression, InflationBombIs1009) {
  const std::string z = deflate_once(std::string(200000, '\0'));
  EXPECT_LT(z.size(), 1000u);
  const auto evs = run_all_splits(cframe(Opcode::binary, z, true, true), {65536, 65536}, true);
  EXPECT_EQ(error_code(evs), 1009);
  EXPECT_EQ(evs.back().error, Error::message_too_big);
  const auto ok = run_all_splits(cframe(Opcode::binary, z, true, true), {65536, 200000}, true);
  ASSERT_EQ(ok.size(), 1u);
  EXPECT_EQ(ok[0].payload.size(), 200000u);
}

TEST(WsCompression, ContextTakeoverAcrossMessages) {
  Deflater d(15, /*no_context_takeover=*/false);
  std::string m1, m2;
  const std::string msg = "the same publication body, long enough to be worth referencing";
  d.compress(msg, m1);
  d.compress(msg, m2);
  EXPECT_LT(m2.size(), m1.size());  // the second refers back to the first
  EXPECT_TRUE(d.holds_state());
  const std::string wire = cframe(Opcode::text, m1, true, true) + cframe(Opcode::text, m2, true, true);
  // A reader that keeps context decodes both...
  const auto evs = run_all_splits(wire, {}, true, /*inflate_no_context=*/false);
  ASSERT_EQ(evs.size(), 2u);
  EXPECT_EQ(evs[1].payload, msg);
  // ... one that negotiated client_no_context_takeover rejects the back-reference.
  const auto bad = run_all_splits(wire, {}, true, true);
  EXPECT_EQ(error_code(bad), 1007);
}

TEST(WsCompression, NoContextDeflaterHoldsNoState) {
  Deflater d(15, true);
  std::string out;
  d.compress("abc", out);
  EXPECT_FALSE(d.holds_state());
  EXPECT_EQ(out, deflate_once("abc"));
}

TEST(WsCompression, FinalBlockThenNextMessageWithContext) {
  // A sender that ends a message with BFINAL (RFC 7692 7.2.3.4) instead of a sync flush.
  auto finish_deflate = [](std::string_view msg) {
    z_stream z{};
    deflateInit2(&z, 6, Z_DEFLATED, -15, 8, Z_DEFAULT_STRATEGY);
    std::string out(256, '\0');
    z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(msg.data()));
    z.avail_in = uInt(msg.size());
    z.next_out = reinterpret_cast<Bytef*>(out.data());
    z.avail_out = uInt(out.size());
    deflate(&z, Z_FINISH);
    out.resize(out.size() - z.avail_out);
    deflateEnd(&z);
    return out;
  };
  const std::string wire = cframe(Opcode::text, finish_deflate("first"), true, true) +
                           cframe(Opcode::text, finish_deflate("second"), true, true);
  for (bool no_ctx : {false, true}) {
    const auto evs = run_all_splits(wire, {}, true, no_ctx);
    ASSERT_EQ(evs.size(), 2u);
    EXPECT_EQ(evs[0].payload, "first");
    EXPECT_EQ(evs[1].payload, "second");
  }
  // Data after the final block inside the same message is bad data.
  const std::string trailing = finish_deflate("x") + deflate_once("y");
  EXPECT_EQ(error_code(run_all_splits(cframe(Opcode::text, trailing, true, true), {}, true)), 1007);
}

TEST(WsCompression, DeflatedFrameIsACompleteRsv1Frame) {
  const std::string f = deflated_frame("{\"a\":1}");
  EXPECT_EQ(std::uint8_t(f[0]), 0xC1);  // FIN | RSV1 | text
  MessageReader r(Role::client, {});
  r.enable_inflate(15, true);
  const auto evs = test::drive(r, f, 1);
  ASSERT_EQ(evs.size(), 1u);
  EXPECT_EQ(evs[0].payload, "{\"a\":1}");
}

TEST(WsCompression, SmallWindowDeflaterInflatesWithSmallWindow) {
  Deflater d(9, false, -1, 1);
  std::string z;
  std::string msg;
  for (int i = 0; i < 300; ++i) msg += char('a' + i % 26);
  d.compress(msg, z);
  Inflater inf(9, false);
  std::string out;
  ASSERT_EQ(inf.inflate(z, out, 1 << 20), Error::none);
  ASSERT_EQ(inf.finish(out, 1 << 20), Error::none);
  EXPECT_EQ(out, msg);
}

}  // namespace
}  // namespace strata::codec::websocket
