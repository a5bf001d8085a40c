// The client side of RFC 6455 framing for `strata load --hub ws`: masked
// frames out, server frames in. The reader is deliberately small and fast
// (a load generator parses every delivery): it checks what a client must
// (server frames unmasked, no reserved bits since no extension is
// negotiated, control frames <= 125 bytes and unfragmented) and bounds the
// payload; full validation is the server codec's job. No I/O; thread-free.
#pragma once
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace strata::tools::load {

struct WsFrame {
  std::uint8_t opcode = 0;   // 0 continuation, 1 text, 2 binary, 8 close, 9 ping, 10 pong
  bool fin = true;
  std::string_view payload;  // a view into the parsed input
};

enum class WsParse { frame, need_more, error };

// Parses one server frame at the start of `in`. `frame`: `f` is filled and
// `consumed` is its size; need_more: nothing consumed; error: the stream is
// unusable (masked, reserved bits, bad control frame, payload > max).
WsParse parse_server_frame(std::string_view in, WsFrame& f, std::size_t& consumed,
                           std::uint64_t max_payload = 16u << 20);

// A complete masked client frame (FIN set) with the given 4-byte mask.
std::string ws_client_frame(std::uint8_t opcode, std::string_view payload, std::uint32_t mask);

// The Sec-WebSocket-Accept value the server must answer to `key`
// (base64(SHA-1(key + GUID))).
std::string ws_accept_for(std::string_view key);

}  // namespace strata::tools::load
