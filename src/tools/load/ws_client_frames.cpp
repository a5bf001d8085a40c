#include "tools/load/ws_client_frames.hpp"

#include <openssl/evp.h>
#include <openssl/sha.h>

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
  std::string f;
  const std::size_t n = payload.size();
  f.reserve(n + 14);
  f.push_back(char(0x80 | (opcode & 0x0f)));
  if (n < 126) {
    f.push_back(char(0x80 | n));
  } else if (n < 65536) {
    f.push_back(char(0x80 | 126));
    f.push_back(char(n >> 8));
    f.push_back(char(n & 0xff));
  } else {
    f.push_back(char(0x80 | 127));
    for (int i = 7; i >= 0; --i) f.push_back(char((std::uint64_t(n) >> (8 * i)) & 0xff));
  }
  const char m[4] = {char(mask >> 24), char(mask >> 16), char(mask >> 8), char(mask)};
  f.append(m, 4);
  for (std::size_t i = 0; i < n; ++i) f.push_back(char(payload[i] ^ m[i % 4]));
  return f;
}

std::string ws_accept_for(std::string_view key) {
  static constexpr std::string_view kGuid = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";
  std::string s(key);
  s += kGuid;
  unsigned char d[SHA_DIGEST_LENGTH];
  SHA1(reinterpret_cast<const unsigned char*>(s.data()), s.size(), d);
  unsigned char out[64];
  const int len = EVP_EncodeBlock(out, d, SHA_DIGEST_LENGTH);
  return std::string(reinterpret_cast<const char*>(out), std::size_t(len));
}

}  // namespace strata::tools::load
