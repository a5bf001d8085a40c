// RFC 6455 5.2 frame serialization. Server frames are unmasked; client
// frames (the load tool) are masked with a caller-given key. Pure
// functions, thread-safe. Server -> client framing costs one header write
// (2, 4 or 10 bytes) plus the payload copy, so the hub builds one frame per
// publication and sends the same bytes to every subscriber.
#pragma once
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "codec/websocket/frame.hpp"

namespace strata::codec::websocket {

// Header bytes for a payload of `len` (2, 4 or 10; +4 when masked).
std::size_t frame_header_size(std::uint64_t len, bool masked);

// Writes a header into `out` (at least kMaxHeaderSize bytes); returns its
// size. `mask` null = unmasked. The length is encoded minimally.
std::size_t write_frame_header(std::uint8_t* out, Opcode op, bool fin, bool rsv1,
                               std::uint64_t len, const MaskKey* mask = nullptr);
// Appends a header to `out` (the payload follows, masked by the caller
// when `mask` is given: see apply_mask()).
void append_frame_header(std::string& out, Opcode op, bool fin, bool rsv1, std::uint64_t len,
                         const MaskKey* mask = nullptr);

// XORs data[0..n) with the key, starting at key position `offset` % 4
// (payload offset of data[0] in its frame). Masking and unmasking are the
// same operation.
void apply_mask(char* data, std::size_t n, const MaskKey& key, std::uint64_t offset = 0);

// Appends a whole frame: header + payload (masked with `mask` if given).
void append_frame(std::string& out, Opcode op, std::string_view payload, bool fin = true,
                  bool rsv1 = false, const MaskKey* mask = nullptr);

// One-frame helpers (FIN = 1). Unmasked unless `mask` is given.
std::string text_frame(std::string_view payload, const MaskKey* mask = nullptr);
std::string binary_frame(std::string_view payload, const MaskKey* mask = nullptr);
// Control frames: the payload is cut to 125 bytes.
std::string ping_frame(std::string_view payload = {}, const MaskKey* mask = nullptr);
std::string pong_frame(std::string_view payload = {}, const MaskKey* mask = nullptr);
// Close frame with a status code and reason (RFC 6455 5.5.1). The reason
// is cut to 123 bytes at a UTF-8 character boundary. `code` 0 = an empty
// close payload (no status).
std::string close_frame(std::uint16_t code, std::string_view reason = {},
                        const MaskKey* mask = nullptr);

}  // namespace strata::codec::websocket
