// libFuzzer target: the WebSocket MessageReader (frame parser, UTF-8,
// close payloads, permessage-deflate inflater) fed in random splits.
// Input byte 0 picks role / inflate / context takeover / limits, byte 1 the
// split sizes; the rest is the wire. Checks: events respect the limits,
// text and close reasons are UTF-8, error codes are 1002/1007/1009 and
// sticky, and every message re-encoded by the frame writer parses back to
// the same message (writer/parser agree), and deflate_once + Inflater
// round-trip it.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <span>
#include <string>
#include <string_view>

#include "codec/websocket/close.hpp"
#include "codec/websocket/deflate.hpp"
#include "codec/websocket/frame_writer.hpp"
#include "codec/websocket/message_reader.hpp"
#include "codec/websocket/utf8.hpp"

using namespace strata::codec::websocket;
using K = MessageReader::Event::Kind;

namespace {
void check(bool ok) {
  if (!ok) std::abort();
}

void round_trip(Opcode op, std::string_view payload, bool masked) {
  const MaskKey key{0x11, 0x22, 0x33, 0x44};
  std::string wire;
  // Split into two fragments to exercise continuation too.
  const std::size_t half = payload.size() / 2;
  append_frame(wire, op, payload.substr(0, half), false, false, masked ? &key : nullptr);
  append_frame(wire, Opcode::continuation, payload.substr(half), true, false, masked ? &key : nullptr);
  MessageReader r(masked ? Role::server : Role::client, {1 << 20, 1 << 20});
  std::span<char> in(wire.data(), wire.size());
  const auto ev = r.next(in);
  check(ev.kind == K::message && ev.opcode == op && ev.payload == payload);
  // deflate_once / Inflater agree too.
  const std::string z = deflate_once(payload);
  Inflater inf(15, true);
  std::string out;
  check(inf.inflate(z, out, payload.size()) == Error::none);
  check(inf.finish(out, payload.size()) == Error::none);
  check(out == payload && !inf.holds_state());
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 2) return 0;
  const std::uint8_t flags = data[0];
  const bool server = (flags & 1) == 0;
  const bool inflate = (flags & 2) != 0;
  const bool no_context = (flags & 4) != 0;
  MessageReader::Limits limits;
  limits.max_frame = (flags & 8) ? 64 : 4096;
  limits.max_message = (flags & 16) ? 128 : 8192;
  const std::size_t split_a = std::size_t(data[1] % 32) + 1;
  const std::size_t split_b = std::size_t(data[1] / 32) * 9 + 1;
  std::string wire(reinterpret_cast<const char*>(data + 2), size - 2);

  MessageReader r(server ? Role::server : Role::client, limits);
  if (inflate) r.enable_inflate(8 + (flags >> 5), no_context);
  std::size_t pos = 0;
  int turn = 0;
  bool failed = false;
  while (pos < wire.size()) {
    const std::size_t n = std::min(turn++ % 2 ? split_b : split_a, wire.size() - pos);
    std::span<char> in(wire.data() + pos, n);
    pos += n;
    for (int guard = 0;; ++guard) {
      check(guard < 100000);
      const auto ev = r.next(in);
      if (ev.kind == K::need_more) {
        check(in.empty());
        break;
      }
      check(!failed);
      switch (ev.kind) {
        case K::message:
          check(ev.opcode == Opcode::text || ev.opcode == Opcode::binary);
          check(ev.payload.size() <= limits.max_message);
          if (ev.opcode == Opcode::text) check(is_valid_utf8(ev.payload));
          round_trip(ev.opcode, ev.payload, turn % 2 == 0);
          break;
        case K::ping:
        case K::pong:
          check(ev.payload.size() <= kMaxControlPayload);
          break;
        case K::close:
          check(ev.code == kNoStatus || valid_close_code(ev.code));
          check(is_valid_utf8(ev.payload));
          check(r.closed());
          return 0;
        case K::error:
          check(ev.code == 1002 || ev.code == 1007 || ev.code == 1009);
          check(ev.code == close_code(ev.error));
          check(r.failed());
          failed = true;
          {
            // Sticky.
            std::string more = "x";
            std::span<char> again(more.data(), more.size());
            check(r.next(again).kind == K::error);
          }
          return 0;
        case K::need_more:
          break;
      }
    }
  }
  return 0;
}
