// The low-level FrameParser: header fields, payload pieces (first/last),
// unmasking in place across chunks, frame boundaries, and the reader's
// memory footprint when idle.
#include <gtest/gtest.h>

#include <random>

#include "codec/websocket/frame_parser.hpp"
#include "unit/codec/websocket/ws_test_util.hpp"

namespace strata::codec::websocket {
namespace {

using S = FrameParser::Status;
using test::cframe;

TEST(WsFrameParser, HeaderFieldsAndWholePayload) {
  std::string wire = cframe(Opcode::binary, "payload", false);
  FrameParser p(Role::server, {});
  const auto r = p.parse(std::span<char>(wire.data(), wire.size()));
  ASSERT_EQ(r.status, S::data);
  EXPECT_EQ(r.consumed, wire.size());
  EXPECT_TRUE(r.first);
  EXPECT_TRUE(r.last);
  EXPECT_FALSE(p.header().fin);
  EXPECT_EQ(p.header().opcode, Opcode::binary);
  EXPECT_TRUE(p.header().masked);
  EXPECT_EQ(p.header().mask, test::kKey);
  EXPECT_EQ(p.header().length, 7u);
  EXPECT_EQ(std::string(r.payload.data(), r.payload.size()), "payload");
  EXPECT_TRUE(p.in_message());
  EXPECT_TRUE(p.at_frame_boundary());
}

TEST(WsFrameParser, PayloadPiecesUnmaskedAcrossChunks) {
  const std::string text = "a payload that arrives in several pieces";
  std::string wire = cframe(Opcode::text, text);
  FrameParser p(Role::server, {});
  std::string got;
  int firsts = 0, lasts = 0;
  for (std::size_t pos = 0; pos < wire.size();) {
    const std::size_t n = std::min<std::size_t>(5, wire.size() - pos);
    std::span<char> in(wire.data() + pos, n);
    pos += n;
    while (true) {
      const auto r = p.parse(in);
      in = in.subspan(r.consumed);
      if (r.status == S::need_more) break;
      ASSERT_EQ(r.status, S::data);
      firsts += r.first;
      lasts += r.last;
      got.append(r.payload.data(), r.payload.size());
      if (in.empty() && !r.last) {
        EXPECT_EQ(p.parse(in).status, S::need_more);  // no spin on empty input
        break;
      }
      if (in.empty()) break;
    }
  }
  EXPECT_EQ(got, text);
  EXPECT_EQ(firsts, 1);
  EXPECT_EQ(lasts, 1);
  EXPECT_TRUE(p.at_frame_boundary());
}

TEST(WsFrameParser, ZeroLengthFrameIsFirstAndLast) {
  std::string wire = cframe(Opcode::ping, "");
  FrameParser p(Role::server, {});
  const auto r = p.parse(std::span<char>(wire.data(), wire.size()));
  ASSERT_EQ(r.status, S::data);
  EXPECT_TRUE(r.first && r.last);
  EXPECT_TRUE(r.payload.empty());
}

TEST(WsFrameParser, PartialHeaderIsNeedMoreAndNotBoundary) {
  std::string wire = cframe(Opcode::text, std::string(300, 'x'));  // 2 + 2 + 4 header bytes
  FrameParser p(Role::server, {});
  const auto r = p.parse(std::span<char>(wire.data(), 3));
  EXPECT_EQ(r.status, S::need_more);
  EXPECT_EQ(r.consumed, 3u);
  EXPECT_FALSE(p.at_frame_boundary());
}

// A long mixed stream cut at random points gives the same events as the whole stream.
TEST(WsFrameParser, RandomSplitsOfAMixedStream) {
  std::string wire;
  std::vector<std::string> expect;
  for (int i = 0; i < 40; ++i) {
    const std::string m(std::size_t(i * 37 % 300), char('a' + i % 26));
    if (i % 3 == 0) {
      wire += cframe(Opcode::text, m.substr(0, m.size() / 2), false) + cframe(Opcode::ping, "p") +
              cframe(Opcode::continuation, m.substr(m.size() / 2), true);
    } else {
      wire += cframe(Opcode::text, m);
    }
    expect.push_back(m);
  }
  std::mt19937 rng(11);
  for (int round = 0; round < 50; ++round) {
    MessageReader r(Role::server, {});
    std::string copy = wire;
    std::vector<std::string> got;
    for (std::size_t pos = 0; pos < copy.size();) {
      const std::size_t n = std::min<std::size_t>(1 + rng() % 97, copy.size() - pos);
      std::span<char> in(copy.data() + pos, n);
      pos += n;
      for (auto ev = r.next(in); ev.kind != MessageReader::Event::Kind::need_more; ev = r.next(in)) {
        ASSERT_NE(ev.kind, MessageReader::Event::Kind::error);
        if (ev.kind == MessageReader::Event::Kind::message) got.emplace_back(ev.payload);
      }
    }
    ASSERT_EQ(got, expect) << round;
    EXPECT_TRUE(r.idle());
    EXPECT_EQ(r.buffered(), 0u);
  }
}

TEST(WsFrameParser, IdleReaderIsSmall) {
  // The hub keeps one reader per connection (goal: <= 2 KB per idle
  // connection in total); an idle reader owns no heap memory.
  EXPECT_LE(sizeof(MessageReader), 160u);
  MessageReader r(Role::server, {});
  EXPECT_EQ(r.buffered(), 0u);
}

}  // namespace
}  // namespace strata::codec::websocket
