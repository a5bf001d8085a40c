// RFC 6455 5.2 frame vocabulary shared by the writer and the parser:
// opcodes, the decoded frame header, roles and size constants. No I/O.
#pragma once
#include <array>
#include <cstddef>
#include <cstdint>

namespace strata::codec::websocket {

enum class Opcode : std::uint8_t {
  continuation = 0x0,
  text = 0x1,
  binary = 0x2,
  close = 0x8,
  ping = 0x9,
  pong = 0xA,
};

// Control frames have the high bit of the opcode set (RFC 6455 5.5).
constexpr bool is_control(Opcode op) { return (std::uint8_t(op) & 0x8) != 0; }
// The six opcodes RFC 6455 defines; the rest are reserved (-> 1002).
constexpr bool is_known(Opcode op) {
  const auto v = std::uint8_t(op);
  return v <= 0x2 || (v >= 0x8 && v <= 0xA);
}

using MaskKey = std::array<std::uint8_t, 4>;

// Which end of the connection is parsing: a server parses client frames
// (which MUST be masked), a client (the load tool) parses server frames
// (which MUST NOT be masked) (RFC 6455 5.1).
enum class Role : std::uint8_t { server, client };

// A decoded frame header.
struct FrameHeader {
  bool fin = true;
  bool rsv1 = false;             // "compressed" on the first frame of a message (RFC 7692)
  Opcode opcode = Opcode::text;
  bool masked = false;
  std::uint64_t length = 0;      // payload bytes
  MaskKey mask{};                // valid when masked
};

// Largest header: 2 + 8 (64-bit length) + 4 (mask).
inline constexpr std::size_t kMaxHeaderSize = 14;
// Control frame payloads are at most 125 bytes (RFC 6455 5.5).
inline constexpr std::size_t kMaxControlPayload = 125;

}  // namespace strata::codec::websocket
