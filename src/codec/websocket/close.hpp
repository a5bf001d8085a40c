// Close frame payloads (RFC 6455 5.5.1, 7.4): which status codes may
// appear on the wire and how a received close payload is decoded. Pure
// functions, thread-safe.
#pragma once
#include <cstdint>
#include <string_view>

#include "codec/websocket/error.hpp"

namespace strata::codec::websocket {

// Codes an endpoint may send / accept in a close frame: 1000-1003,
// 1007-1014 (1012-1014 registered with IANA), 3000-4999. Invalid: below
// 1000, 1004 (reserved), 1005/1006/1015 (never on the wire), 1016-2999
// (reserved for the RFC / extensions) and 5000 up.
bool valid_close_code(std::uint16_t code);

// Status used when a close frame has no payload (RFC 6455 7.1.5).
inline constexpr std::uint16_t kNoStatus = 1005;

struct CloseInfo {
  std::uint16_t code = kNoStatus;  // kNoStatus when the payload was empty
  std::string_view reason;         // view into the payload; valid UTF-8
};

// Decodes a received close payload. Errors: 1 byte -> bad_close_payload,
// invalid code -> bad_close_code (both 1002), reason not UTF-8 ->
// invalid_utf8 (1007).
Error parse_close_payload(std::string_view payload, CloseInfo& out);

}  // namespace strata::codec::websocket
