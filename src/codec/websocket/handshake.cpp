#include "codec/websocket/handshake.hpp"

#include <cstdlib>

#include <openssl/evp.h>
#include <openssl/rand.h>
#include <openssl/sha.h>

#include "codec/http1/syntax.hpp"
#include "http/headers.hpp"
#include "http/message.hpp"

namespace strata::codec::websocket {

namespace {
std::string base64(const unsigned char* p, int n) {
  std::string out(std::size_t(4 * ((n + 2) / 3)) + 1, '\0');
  const int len = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()), p, n);
  out.resize(std::size_t(len));
  return out;
}

bool is_b64(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '+' ||
         c == '/';
}

using codec::http1::trim_ows;
}  // namespace

std::string accept_key(std::string_view client_key) {
  std::string in(client_key);
  in += "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";
  unsigned char digest[SHA_DIGEST_LENGTH];
  SHA1(reinterpret_cast<const unsigned char*>(in.data()), in.size(), digest);
  return base64(digest, SHA_DIGEST_LENGTH);
}

bool valid_client_key(std::string_view key) {
  // 16 bytes -> 22 significant characters + "==". The last significant
  // character carries 2 bits of data and 4 zero bits (A, Q, g or w).
  if (key.size() != 24 || key[22] != '=' || key[23] != '=') return false;
  for (std::size_t i = 0; i < 22; ++i)
    if (!is_b64(key[i])) return false;
  const char last = key[21];
  return last == 'A' || last == 'Q' || last == 'g' || last == 'w';
}

std::string make_client_key() {
  unsigned char raw[16];
  if (RAND_bytes(raw, sizeof raw) != 1) {
    // Only without entropy; the key is a nonce, not a secret.
    for (auto& b : raw) b = static_cast<unsigned char>(std::rand());
  }
  return base64(raw, sizeof raw);
}

bool has_token(std::string_view list, std::string_view token) {
  while (!list.empty()) {
    const std::size_t comma = list.find(',');
    const std::string_view item = trim_ows(list.substr(0, comma));
    if (http::iequals(item, token)) return true;
    if (comma == std::string_view::npos) break;
    list.remove_prefix(comma + 1);
  }
  return false;
}

HandshakeError check_upgrade_request(const http::Request& req) {
  const bool extended = req.protocol == http::Protocol::h2 || req.protocol == http::Protocol::h3;
  if (extended) {
    if (!http::iequals(req.connect_protocol, "websocket")) return HandshakeError::not_websocket;
    if (req.method != "CONNECT") return HandshakeError::bad_method;
  } else {
    if (req.protocol != http::Protocol::http11) return HandshakeError::not_websocket;
    if (!has_token(req.headers.joined("upgrade"), "websocket") ||
        !has_token(req.headers.joined("connection"), "upgrade"))
      return HandshakeError::not_websocket;
    if (req.method != "GET") return HandshakeError::bad_method;
  }
  const auto version = req.headers.get("sec-websocket-version");
  if (!version || trim_ows(*version) != "13") return HandshakeError::bad_version;
  if (!extended) {
    const auto key = req.headers.get("sec-websocket-key");
    if (!key || !valid_client_key(trim_ows(*key))) return HandshakeError::bad_key;
  }
  return HandshakeError::none;
}

int handshake_status(HandshakeError e) {
  switch (e) {
    case HandshakeError::none: return 0;
    case HandshakeError::bad_version: return 426;
    default: return 400;
  }
}

std::string_view describe(HandshakeError e) {
  switch (e) {
    case HandshakeError::none: return "ok";
    case HandshakeError::not_websocket: return "not a WebSocket upgrade";
    case HandshakeError::bad_method: return "WebSocket upgrade with a wrong method";
    case HandshakeError::bad_version: return "Sec-WebSocket-Version must be 13";
    case HandshakeError::bad_key: return "bad Sec-WebSocket-Key";
  }
  return "bad handshake";
}

}  // namespace strata::codec::websocket
