// Conformance, RFC 6455 5.4 fragmentation: messages across frames,
// control frames between fragments, continuation rules (1002).
#include <gtest/gtest.h>

#include "unit/codec/websocket/ws_test_util.hpp"

namespace strata::codec::websocket {
namespace {

using K = MessageReader::Event::Kind;
using test::cframe;
using test::error_code;
using test::run_all_splits;

TEST(WsFragmentation, MessageAcrossThreeFrames) {
  const auto evs = run_all_splits(cframe(Opcode::text, "fra", false) +
                                  cframe(Opcode::continuation, "gme", false) +
                                  cframe(Opcode::continuation, "nted", true));
  ASSERT_EQ(evs.size(), 1u);
  EXPECT_EQ(evs[0].kind, K::message);
  EXPECT_EQ(evs[0].opcode, Opcode::text);
  EXPECT_EQ(evs[0].payload, "fragmented");
}

TEST(WsFragmentation, EmptyFragments) {
  const auto evs = run_all_splits(cframe(Opcode::binary, "", false) +
                                  cframe(Opcode::continuation, "", false) +
                                  cframe(Opcode::continuation, "", true));
  ASSERT_EQ(evs.size(), 1u);
  EXPECT_EQ(evs[0].opcode, Opcode::binary);
  EXPECT_EQ(evs[0].payload, "");
}

TEST(WsFragmentation, ControlFramesBetweenFragments) {
  const auto evs = run_all_splits(cframe(Opcode::text, "a", false) + cframe(Opcode::ping, "p1") +
                                  cframe(Opcode::continuation, "b", false) + cframe(Opcode::pong, "p2") +
                                  cframe(Opcode::continuation, "c", true) + cframe(Opcode::text, "next"));
  ASSERT_EQ(evs.size(), 4u);
  EXPECT_EQ(evs[0].kind, K::ping);
  EXPECT_EQ(evs[0].payload, "p1");
  EXPECT_EQ(evs[1].kind, K::pong);
  EXPECT_EQ(evs[1].payload, "p2");
  EXPECT_EQ(evs[2].kind, K::message);
  EXPECT_EQ(evs[2].payload, "abc");
  EXPECT_EQ(evs[3].payload, "next");
}

TEST(WsFragmentation, CloseBetweenFragmentsEndsTheReader) {
  const auto evs = run_all_splits(cframe(Opcode::text, "a", false) + close_frame(1000, "", &test::kKey));
  ASSERT_EQ(evs.size(), 1u);
  EXPECT_EQ(evs[0].kind, K::close);
  EXPECT_EQ(evs[0].code, 1000);
}

TEST(WsFragmentation, ContinuationWithoutStartIs1002) {
  auto evs = run_all_splits(cframe(Opcode::continuation, "x", true));
  EXPECT_EQ(error_code(evs), 1002);
  EXPECT_EQ(evs.back().error, Error::unexpected_continuation);
  // ... also right after a complete message.
  evs = run_all_splits(cframe(Opcode::text, "done") + cframe(Opcode::continuation, "x", false));
  ASSERT_EQ(evs.size(), 2u);
  EXPECT_EQ(evs[1].code, 1002);
}

TEST(WsFragmentation, NewDataFrameInsideFragmentedMessageIs1002) {
  for (Opcode op : {Opcode::text, Opcode::binary}) {
    const auto evs = run_all_splits(cframe(Opcode::text, "a", false) + cframe(op, "b", true));
    EXPECT_EQ(error_code(evs), 1002);
    EXPECT_EQ(evs.back().error, Error::expected_continuation);
  }
}

TEST(WsFragmentation, BinaryMessageKeepsItsOpcode) {
  const auto evs = run_all_splits(cframe(Opcode::binary, std::string("\x80", 1), false) +
                                  cframe(Opcode::continuation, std::string("\xff", 1), true));
  ASSERT_EQ(evs.size(), 1u);
  EXPECT_EQ(evs[0].opcode, Opcode::binary);  // not validated as UTF-8
  EXPECT_EQ(evs[0].payload, "\x80\xff");
}

TEST(WsFragmentation, ReaderIsIdleAfterTheLastFragment) {
  std::string wire = cframe(Opcode::text, "a", false);
  MessageReader r(Role::server, {});
  std::span<char> in(wire.data(), wire.size());
  EXPECT_EQ(r.next(in).kind, K::need_more);
  EXPECT_FALSE(r.idle());
  std::string rest = cframe(Opcode::continuation, "b", true);
  std::span<char> in2(rest.data(), rest.size());
  EXPECT_EQ(r.next(in2).payload, "ab");
  EXPECT_EQ(r.next(in2).kind, K::need_more);
  EXPECT_TRUE(r.idle());
}

}  // namespace
}  // namespace strata::codec::websocket
