// Conformance, RFC 6455 8.1 UTF-8 of text messages: invalid text -> 1007,
// checked across fragments and across input chunks, failing fast.
#include <gtest/gtest.h>

#include "unit/codec/websocket/ws_test_util.hpp"

namespace strata::codec::websocket {
namespace {

using K = MessageReader::Event::Kind;
using test::cframe;
using test::error_code;
using test::run_all_splits;

TEST(WsTextUtf8, ValidTextDelivered) {
  const auto evs = run_all_splits(cframe(Opcode::text, "\xce\xba\xe1\xbd\xb9\xcf\x83\xce\xbc\xce\xb5"));
  ASSERT_EQ(evs.size(), 1u);
  EXPECT_EQ(evs[0].kind, K::message);
}

TEST(WsTextUtf8, InvalidTextIs1007) {
  for (std::string bad : {"\xc0\xaf", "\xed\xa0\x80", "\xf4\x90\x80\x80", "ab\xff", "\xce"}) {
    const auto evs = run_all_splits(cframe(Opcode::text, bad));
    EXPECT_EQ(error_code(evs), 1007) << bad;
    EXPECT_EQ(evs.back().error, Error::invalid_utf8);
  }
}

TEST(WsTextUtf8, CodePointSplitAcrossFragmentsIsValid) {
  // U+1F600 cut after each of its bytes into two or three fragments.
  const std::string s = "\xf0\x9f\x98\x80";
  for (std::size_t cut = 1; cut < 4; ++cut) {
    const auto evs = run_all_splits(cframe(Opcode::text, s.substr(0, cut), false) +
                                    cframe(Opcode::continuation, "", false) +
                                    cframe(Opcode::continuation, s.substr(cut), true));
    ASSERT_EQ(evs.size(), 1u) << cut;
    EXPECT_EQ(evs[0].payload, s);
  }
}

TEST(WsTextUtf8, TruncatedAtMessageEndIs1007) {
  const auto evs = run_all_splits(cframe(Opcode::text, "ok\xf0\x9f", false) +
                                  cframe(Opcode::continuation, "\x98", true));
  EXPECT_EQ(error_code(evs), 1007);
}

TEST(WsTextUtf8, FailFastInFirstFragment) {
  // The bad fragment is reported before the message is complete.
  std::string wire = cframe(Opcode::text, "\xed\xa0\x80", false);
  MessageReader r(Role::server, {});
  std::span<char> in(wire.data(), wire.size());
  const auto ev = r.next(in);
  EXPECT_EQ(ev.kind, K::error);
  EXPECT_EQ(ev.code, 1007);
}

TEST(WsTextUtf8, FailFastWithinOneFrameAcrossChunks) {
  // A long frame whose bad byte arrives in the first chunk: error before the rest.
  std::string wire = cframe(Opcode::text, "\xff" + std::string(1000, 'a'));
  MessageReader r(Role::server, {});
  std::span<char> in(wire.data(), 20);
  const auto ev = r.next(in);
  EXPECT_EQ(ev.kind, K::error);
  EXPECT_EQ(ev.code, 1007);
}

TEST(WsTextUtf8, ByteAtATimeValidLongText) {
  std::string text;
  for (int i = 0; i < 50; ++i) text += "z\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80";
  MessageReader r(Role::server, {});
  const auto evs = test::drive(r, cframe(Opcode::text, text.substr(0, 101), false) +
                                      cframe(Opcode::continuation, text.substr(101), true), 1);
  ASSERT_EQ(evs.size(), 1u);
  EXPECT_EQ(evs[0].payload, text);
}

}  // namespace
}  // namespace strata::codec::websocket
