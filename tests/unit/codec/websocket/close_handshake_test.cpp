// Conformance, RFC 6455 5.5.1 / 7.4 close frames: codes, reasons, the
// 1-byte payload (1002), invalid codes (1002), reasons not UTF-8 (1007),
// nothing parsed after a close.
#include <gtest/gtest.h>

#include "codec/websocket/close.hpp"
#include "unit/codec/websocket/ws_test_util.hpp"

namespace strata::codec::websocket {
namespace {

using K = MessageReader::Event::Kind;
using test::bytes;
using test::cframe;
using test::error_code;
using test::run_all_splits;

std::string close_with(std::uint16_t code, std::string_view reason = {}) {
  std::string p{char(code >> 8), char(code & 0xFF)};
  p += reason;
  return cframe(Opcode::close, p);
}

TEST(WsClose, EmptyCloseIsNoStatus) {
  const auto evs = run_all_splits(cframe(Opcode::close, ""));
  ASSERT_EQ(evs.size(), 1u);
  EXPECT_EQ(evs[0].kind, K::close);
  EXPECT_EQ(evs[0].code, kNoStatus);
}

TEST(WsClose, CodeAndReason) {
  const auto evs = run_all_splits(close_with(1000, "bye \xc3\xa9"));
  ASSERT_EQ(evs.size(), 1u);
  EXPECT_EQ(evs[0].code, 1000);
  EXPECT_EQ(evs[0].payload, "bye \xc3\xa9");
}

TEST(WsClose, OneBytePayloadIs1002) {
  const auto evs = run_all_splits(cframe(Opcode::close, "\x03"));
  EXPECT_EQ(error_code(evs), 1002);
  EXPECT_EQ(evs.back().error, Error::bad_close_payload);
}

TEST(WsClose, ValidCodesAccepted) {
  for (int code : {1000, 1001, 1002, 1003, 1007, 1008, 1009, 1010, 1011, 1012, 1013, 1014, 3000, 3999,
                   4000, 4999}) {
    const auto evs = run_all_splits(close_with(std::uint16_t(code)));
    ASSERT_EQ(evs.size(), 1u) << code;
    EXPECT_EQ(evs[0].kind, K::close) << code;
    EXPECT_EQ(evs[0].code, code);
  }
}

TEST(WsClose, InvalidCodesAre1002) {
  for (int code : {0, 999, 1004, 1005, 1006, 1015, 1016, 1100, 2000, 2999, 5000, 65535}) {
    const auto evs = run_all_splits(close_with(std::uint16_t(code)));
    EXPECT_EQ(error_code(evs), 1002) << code;
    EXPECT_EQ(evs.back().error, Error::bad_close_code) << code;
  }
}

TEST(WsClose, ReasonNotUtf8Is1007) {
  const auto evs = run_all_splits(close_with(1000, "\xce\xba\xe1\xbd\xb9\xed\xa0\x80"));
  EXPECT_EQ(error_code(evs), 1007);
}

TEST(WsClose, NothingParsedAfterClose) {
  // Garbage after the close frame is ignored, not reported.
  MessageReader r(Role::server, {});
  std::string wire = close_with(1001) + text_frame("unmasked after close");
  std::span<char> in(wire.data(), wire.size());
  EXPECT_EQ(r.next(in).kind, K::close);
  EXPECT_EQ(r.next(in).kind, K::need_more);
  EXPECT_TRUE(in.empty());
  EXPECT_TRUE(r.closed());
}

TEST(WsClose, ValidCloseCodeTable) {
  int valid = 0;
  for (int c = 0; c < 65536; ++c) valid += valid_close_code(std::uint16_t(c)) ? 1 : 0;
  EXPECT_EQ(valid, 4 + 8 + 2000);  // 1000-1003, 1007-1014, 3000-4999
}

TEST(WsClose, ParseClosePayloadDirectly) {
  CloseInfo info;
  EXPECT_EQ(parse_close_payload(bytes({0x0F, 0xA0, 'x'}), info), Error::none);  // 4000
  EXPECT_EQ(info.code, 4000);
  EXPECT_EQ(info.reason, "x");
  EXPECT_EQ(parse_close_payload(bytes({0x03, 0xED}), info), Error::bad_close_code);  // 1005
}

}  // namespace
}  // namespace strata::codec::websocket
