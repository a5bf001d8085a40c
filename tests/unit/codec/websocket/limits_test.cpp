// Conformance, size limits: a frame over max_frame (decided on its
// header) and a message over max_message across fragments -> 1009.
#include <gtest/gtest.h>

#include "unit/codec/websocket/ws_test_util.hpp"

namespace strata::codec::websocket {
namespace {

using K = MessageReader::Event::Kind;
using test::cframe;
using test::error_code;
using test::run_all_splits;

TEST(WsLimits, FrameAtTheLimitPasses) {
  const auto evs = run_all_splits(cframe(Opcode::binary, std::string(1000, 'x')), {1000, 5000});
  ASSERT_EQ(evs.size(), 1u);
  EXPECT_EQ(evs[0].kind, K::message);
}

TEST(WsLimits, FrameOverTheLimitIs1009OnItsHeader) {
  const auto evs = run_all_splits(cframe(Opcode::binary, std::string(1001, 'x')), {1000, 5000});
  EXPECT_EQ(error_code(evs), 1009);
  EXPECT_EQ(evs.back().error, Error::frame_too_big);
  // Only the header is needed to decide.
  std::string wire = cframe(Opcode::binary, std::string(1001, 'x'));
  MessageReader r(Role::server, {1000, 5000});
  std::span<char> in(wire.data(), 8);  // 2 + 2 + 4 mask bytes
  EXPECT_EQ(r.next(in).code, 1009);
}

TEST(WsLimits, HugeDeclaredLengthIs1009) {
  std::string f = test::bytes({0x82, 0xFF, 0x7F, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 1, 2, 3, 4});
  EXPECT_EQ(error_code(run_all_splits(f)), 1009);
}

TEST(WsLimits, MessageOverTheLimitAcrossFragmentsIs1009) {
  std::string wire;
  wire += cframe(Opcode::text, std::string(400, 'a'), false);
  wire += cframe(Opcode::continuation, std::string(400, 'b'), false);
  wire += cframe(Opcode::continuation, std::string(400, 'c'), true);
  const auto evs = run_all_splits(wire, {500, 1000});
  EXPECT_EQ(error_code(evs), 1009);
  EXPECT_EQ(evs.back().error, Error::message_too_big);
  const auto ok = run_all_splits(wire, {500, 1200});
  ASSERT_EQ(ok.size(), 1u);
  EXPECT_EQ(ok[0].payload.size(), 1200u);
}

TEST(WsLimits, ControlFramesDoNotCountTowardsTheMessage) {
  std::string wire = cframe(Opcode::text, std::string(90, 'a'), false) + cframe(Opcode::ping, std::string(100, 'p')) +
                     cframe(Opcode::continuation, std::string(10, 'b'), true);
  const auto evs = run_all_splits(wire, {100, 100});
  ASSERT_EQ(evs.size(), 2u);
  EXPECT_EQ(evs[1].payload.size(), 100u);
}

}  // namespace
}  // namespace strata::codec::websocket
