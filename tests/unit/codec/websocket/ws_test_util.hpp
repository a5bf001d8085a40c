// Helpers for the WebSocket codec tests: client (masked) frame builders
// and a driver that feeds a MessageReader in chunks of a given size and
// records its events (payloads copied).
#pragma once
#include <cstdint>
#include <initializer_list>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "codec/websocket/frame_writer.hpp"
#include "codec/websocket/message_reader.hpp"

namespace strata::codec::websocket::test {

inline constexpr MaskKey kKey{0x37, 0xfa, 0x21, 0x3d};

// A masked client frame.
inline std::string cframe(Opcode op, std::string_view payload, bool fin = true, bool rsv1 = false) {
  std::string out;
  append_frame(out, op, payload, fin, rsv1, &kKey);
  return out;
}

// Bytes from integers.
inline std::string bytes(std::initializer_list<int> b) {
  std::string out;
  for (int v : b) out.push_back(char(v));
  return out;
}

struct Ev {
  MessageReader::Event::Kind kind;
  Opcode opcode;
  std::string payload;
  std::uint16_t code;
  Error error;
  bool compressed;
};

// Feeds `wire` to `r` in chunks of `chunk` bytes (0 = all at once) and
// returns the events up to the first error or close (need_more omitted).
inline std::vector<Ev> drive(MessageReader& r, std::string wire, std::size_t chunk) {
  std::vector<Ev> out;
  std::size_t pos = 0;
  if (chunk == 0) chunk = wire.size() ? wire.size() : 1;
  while (pos < wire.size()) {
    const std::size_t n = std::min(chunk, wire.size() - pos);
    std::span<char> in(wire.data() + pos, n);
    pos += n;
    for (int guard = 0; guard < 100000; ++guard) {
      const auto ev = r.next(in);
      using K = MessageReader::Event::Kind;
      if (ev.kind == K::need_more) break;
      out.push_back(Ev{ev.kind, ev.opcode, std::string(ev.payload), ev.code, ev.error, ev.compressed});
      if (ev.kind == K::error || ev.kind == K::close) return out;
    }
  }
  return out;
}

// Runs `wire` through a fresh server-side reader with every split in
// {whole, 1, 2, 3, 5, 7, 64} and returns the events of the whole run,
// failing the test if any split gives different events.
std::vector<Ev> run_all_splits(const std::string& wire, MessageReader::Limits limits = {},
                               bool inflate = false, bool inflate_no_context = true);

inline bool operator==(const Ev& a, const Ev& b) {
  return a.kind == b.kind && a.payload == b.payload && a.code == b.code && a.error == b.error &&
         (a.kind != MessageReader::Event::Kind::message || a.opcode == b.opcode);
}

// The close code the reader asked for (0 when it did not fail).
inline std::uint16_t error_code(const std::vector<Ev>& evs) {
  return !evs.empty() && evs.back().kind == MessageReader::Event::Kind::error ? evs.back().code : 0;
}

}  // namespace strata::codec::websocket::test
