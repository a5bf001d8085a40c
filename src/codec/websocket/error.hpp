// Why the WebSocket codec rejected its input, and the close code the
// endpoint must send for it (RFC 6455 7.4.1): 1002 for protocol errors,
// 1007 for bad UTF-8 / bad compressed data, 1009 for size limits.
#pragma once
#include <cstdint>
#include <string_view>

namespace strata::codec::websocket {

enum class Error : std::uint8_t {
  none = 0,
  // 1002 protocol error
  reserved_bits,            // RSV2/RSV3, or RSV1 without permessage-deflate / on a non-first frame
  unknown_opcode,
  unmasked_frame,           // client -> server frame without a mask
  masked_frame,             // server -> client frame with a mask
  control_too_long,         // control payload over 125 bytes
  control_fragmented,       // control frame with FIN = 0
  length_msb_set,           // 64-bit length with the most significant bit set
  non_minimal_length,       // length encoded in more bytes than needed
  unexpected_continuation,  // continuation frame with no message started
  expected_continuation,    // new text/binary frame inside a fragmented message
  bad_close_payload,        // close payload of 1 byte
  bad_close_code,           // close code not allowed on the wire
  // 1007 invalid frame payload data
  invalid_utf8,             // text message or close reason that is not UTF-8
  bad_compressed_data,      // inflate failed
  // 1009 message too big
  frame_too_big,
  message_too_big,
};

// The close code to send when closing for `e` (0 for Error::none).
std::uint16_t close_code(Error e);
// Short English text for logs and close reasons ("reserved bits set").
std::string_view describe(Error e);

}  // namespace strata::codec::websocket
