#include "tools/load/ws_client_frames.hpp"

#include "codec/websocket/frame_writer.hpp"
#include "codec/websocket/handshake.hpp"

namespace strata::tools::load {

WsParse parse_server_frame(std::string_view in, WsFrame& f, std::size_t& consumed,
                           std::uint64_t max_payload) {
  consumed = 0;
  if (in.size() < 2) return WsParse::need_more;
  const auto b0 = std::uint8_t(in[0]), b1 = std::uint8_t(in[1]);
  if (b0 & 0x70) return WsParse::error;  // RSV1-3: no extension negotiated
  if (b1 & 0x80) return WsParse::error;  // a server never masks
  const std::uint8_t op = b0 & 0x0f;
  const bool fin = (b0 & 0x80) != 0;
  std::uint64_t n = b1 & 0x7f;
  std::size_t p = 2;
  if (n == 126) {
    if (in.size() < 4) return WsParse::need_more;
    n = (std::uint64_t(std::uint8_t(in[2])) << 8) | std::uint8_t(in[3]);
    p = 4;
  } else if (n == 127) {
    if (in.size() < 10) return WsParse::need_more;
    n = 0;
    for (int i = 0; i < 8; ++i) n = (n << 8) | std::uint8_t(in[std::size_t(2 + i)]);
    p = 10;
  }
  if (op >= 8) {
    if (!fin || n > 125 || op > 10) return WsParse::error;
  } else if (op > 2) {
    return WsParse::error;
  }
  if (n > max_payload) return WsParse::error;
  if (in.size() - p < n) return WsParse::need_more;
  f.opcode = op;
  f.fin = fin;
  f.payload = in.substr(p, std::size_t(n));
  consumed = p + std::size_t(n);
  return WsParse::frame;
}

std::string ws_client_frame(std::uint8_t opcode, std::string_view payload, std::uint32_t mask) {
  namespace ws = codec::websocket;
  const ws::MaskKey key{std::uint8_t(mask >> 24), std::uint8_t(mask >> 16), std::uint8_t(mask >> 8),
                        std::uint8_t(mask)};
  std::string f;
  f.reserve(payload.size() + ws::kMaxHeaderSize);
  ws::append_frame(f, static_cast<ws::Opcode>(opcode & 0x0f), payload, true, false, &key);
  return f;
}

std::string ws_accept_for(std::string_view key) { return codec::websocket::accept_key(key); }

}  // namespace strata::tools::load
