#include "codec/websocket/error.hpp"

namespace strata::codec::websocket {

std::uint16_t close_code(Error e) {
  switch (e) {
    case Error::none: return 0;
    case Error::invalid_utf8:
    case Error::bad_compressed_data: return 1007;
    case Error::frame_too_big:
    case Error::message_too_big: return 1009;
    default: return 1002;
  }
}

std::string_view describe(Error e) {
  switch (e) {
    case Error::none: return "no error";
    case Error::reserved_bits: return "reserved bits set";
    case Error::unknown_opcode: return "unknown opcode";
    case Error::unmasked_frame: return "client frame not masked";
    case Error::masked_frame: return "server frame masked";
    case Error::control_too_long: return "control frame over 125 bytes";
    case Error::control_fragmented: return "fragmented control frame";
    case Error::length_msb_set: return "64-bit length with MSB set";
    case Error::non_minimal_length: return "non-minimal length encoding";
    case Error::unexpected_continuation: return "continuation without a message";
    case Error::expected_continuation: return "data frame inside a fragmented message";
    case Error::bad_close_payload: return "close payload of 1 byte";
    case Error::bad_close_code: return "invalid close code";
    case Error::invalid_utf8: return "invalid UTF-8";
    case Error::bad_compressed_data: return "bad compressed data";
    case Error::frame_too_big: return "frame too big";
    case Error::message_too_big: return "message too big";
  }
  return "unknown error";
}

}  // namespace strata::codec::websocket
