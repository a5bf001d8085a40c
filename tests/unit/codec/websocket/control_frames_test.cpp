// Conformance, RFC 6455 5.5 control frames: ping/pong payloads, size
// limit of 125 bytes and FIN = 1 (1002), a control frame split across
// input chunks.
#include <gtest/gtest.h>

#include "unit/codec/websocket/ws_test_util.hpp"

namespace strata::codec::websocket {
namespace {

using K = MessageReader::Event::Kind;
using test::cframe;
using test::error_code;
using test::run_all_splits;

TEST(WsControl, PingAndPongCarryTheirPayload) {
  const auto evs = run_all_splits(cframe(Opcode::ping, "hello") + cframe(Opcode::pong, "") +
                                  cframe(Opcode::ping, std::string(125, 'x')));
  ASSERT_EQ(evs.size(), 3u);
  EXPECT_EQ(evs[0].kind, K::ping);
  EXPECT_EQ(evs[0].payload, "hello");
  EXPECT_EQ(evs[1].kind, K::pong);
  EXPECT_EQ(evs[1].payload, "");
  EXPECT_EQ(evs[2].payload, std::string(125, 'x'));
}

TEST(WsControl, PingPayloadMayBeBinary) {
  const std::string bin("\x00\xff\xfe", 3);
  const auto evs = run_all_splits(cframe(Opcode::ping, bin));
  ASSERT_EQ(evs.size(), 1u);
  EXPECT_EQ(evs[0].payload, bin);
}

TEST(WsControl, ControlPayloadOver125Is1002) {
  for (Opcode op : {Opcode::ping, Opcode::pong, Opcode::close}) {
    const auto evs = run_all_splits(cframe(op, std::string(126, 'x')));
    EXPECT_EQ(error_code(evs), 1002);
    EXPECT_EQ(evs.back().error, Error::control_too_long);
  }
}

TEST(WsControl, FragmentedControlFrameIs1002) {
  for (Opcode op : {Opcode::ping, Opcode::pong, Opcode::close}) {
    const auto evs = run_all_splits(cframe(op, "x", false));
    EXPECT_EQ(error_code(evs), 1002);
    EXPECT_EQ(evs.back().error, Error::control_fragmented);
  }
}

TEST(WsControl, Rsv1OnControlFrameIs1002EvenWithDeflate) {
  const auto evs = run_all_splits(cframe(Opcode::ping, "x", true, true), {}, true);
  EXPECT_EQ(error_code(evs), 1002);
  EXPECT_EQ(evs.back().error, Error::reserved_bits);
}

TEST(WsControl, SplitPingInsideFragmentedMessage) {
  // The ping's bytes end up buffered behind the partial message; both come out intact.
  const auto evs = run_all_splits(cframe(Opcode::text, std::string(40, 'm'), false) +
                                  cframe(Opcode::ping, std::string(100, 'p')) +
                                  cframe(Opcode::continuation, std::string(40, 'n'), true));
  ASSERT_EQ(evs.size(), 2u);
  EXPECT_EQ(evs[0].kind, K::ping);
  EXPECT_EQ(evs[0].payload, std::string(100, 'p'));
  EXPECT_EQ(evs[1].payload, std::string(40, 'm') + std::string(40, 'n'));
}

}  // namespace
}  // namespace strata::codec::websocket
