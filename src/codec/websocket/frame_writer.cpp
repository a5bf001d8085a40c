#include "codec/websocket/frame_writer.hpp"

#include <cstring>

namespace strata::codec::websocket {

std::size_t frame_header_size(std::uint64_t len, bool masked) {
  const std::size_t base = len < 126 ? 2 : len <= 0xFFFF ? 4 : 10;
  return base + (masked ? 4 : 0);
}

std::size_t write_frame_header(std::uint8_t* out, Opcode op, bool fin, bool rsv1,
                               std::uint64_t len, const MaskKey* mask) {
  out[0] = std::uint8_t((fin ? 0x80 : 0) | (rsv1 ? 0x40 : 0) | (std::uint8_t(op) & 0x0F));
  const std::uint8_t m = mask ? 0x80 : 0;
  std::size_t n;
  if (len < 126) {
    out[1] = std::uint8_t(m | len);
    n = 2;
  } else if (len <= 0xFFFF) {
    out[1] = std::uint8_t(m | 126);
    out[2] = std::uint8_t(len >> 8);
    out[3] = std::uint8_t(len);
    n = 4;
  } else {
    out[1] = std::uint8_t(m | 127);
    for (int i = 0; i < 8; ++i) out[2 + i] = std::uint8_t(len >> (56 - 8 * i));
    n = 10;
  }
  if (mask) {
    std::memcpy(out + n, mask->data(), 4);
    n += 4;
  }
  return n;
}

void append_frame_header(std::string& out, Opcode op, bool fin, bool rsv1, std::uint64_t len,
                         const MaskKey* mask) {
  std::uint8_t h[kMaxHeaderSize];
  const std::size_t n = write_frame_header(h, op, fin, rsv1, len, mask);
  out.append(reinterpret_cast<const char*>(h), n);
}

void apply_mask(char* data, std::size_t n, const MaskKey& key, std::uint64_t offset) {
  std::uint8_t k[4];
  for (unsigned i = 0; i < 4; ++i) k[i] = key[(offset + i) & 3];
  std::size_t i = 0;
  if (n >= 8) {
    std::uint8_t k8[8] = {k[0], k[1], k[2], k[3], k[0], k[1], k[2], k[3]};
    std::uint64_t kw;
    std::memcpy(&kw, k8, 8);
    for (; i + 8 <= n; i += 8) {
      std::uint64_t w;
      std::memcpy(&w, data + i, 8);
      w ^= kw;
      std::memcpy(data + i, &w, 8);
    }
  }
  for (; i < n; ++i) data[i] = char(std::uint8_t(data[i]) ^ k[i & 3]);
}

void append_frame(std::string& out, Opcode op, std::string_view payload, bool fin, bool rsv1,
                  const MaskKey* mask) {
  append_frame_header(out, op, fin, rsv1, payload.size(), mask);
  const std::size_t at = out.size();
  out.append(payload);
  if (mask) apply_mask(out.data() + at, payload.size(), *mask);
}

namespace {
std::string one_frame(Opcode op, std::string_view payload, const MaskKey* mask) {
  std::string out;
  out.reserve(frame_header_size(payload.size(), mask != nullptr) + payload.size());
  append_frame(out, op, payload, true, false, mask);
  return out;
}
}  // namespace

std::string text_frame(std::string_view payload, const MaskKey* mask) {
  return one_frame(Opcode::text, payload, mask);
}
std::string binary_frame(std::string_view payload, const MaskKey* mask) {
  return one_frame(Opcode::binary, payload, mask);
}
std::string ping_frame(std::string_view payload, const MaskKey* mask) {
  return one_frame(Opcode::ping, payload.substr(0, kMaxControlPayload), mask);
}
std::string pong_frame(std::string_view payload, const MaskKey* mask) {
  return one_frame(Opcode::pong, payload.substr(0, kMaxControlPayload), mask);
}

std::string close_frame(std::uint16_t code, std::string_view reason, const MaskKey* mask) {
  if (code == 0) return one_frame(Opcode::close, {}, mask);
  if (reason.size() > kMaxControlPayload - 2) {
    std::size_t n = kMaxControlPayload - 2;
    // Back off continuation bytes so a character is not cut in half.
    while (n > 0 && (std::uint8_t(reason[n]) & 0xC0) == 0x80) --n;
    reason = reason.substr(0, n);
  }
  std::string payload;
  payload.reserve(2 + reason.size());
  payload.push_back(char(code >> 8));
  payload.push_back(char(code & 0xFF));
  payload.append(reason);
  return one_frame(Opcode::close, payload, mask);
}

}  // namespace strata::codec::websocket
