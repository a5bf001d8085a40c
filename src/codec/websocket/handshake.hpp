// The WebSocket opening handshake (RFC 6455 4.1, 4.2): validating a
// client's upgrade request (HTTP/1.1 Upgrade or RFC 8441 / RFC 9220
// extended CONNECT) and computing Sec-WebSocket-Accept. Pure functions,
// thread-safe. Extensions (permessage-deflate) are negotiated by
// permessage_deflate.hpp.
#pragma once
#include <cstdint>
#include <string>
#include <string_view>

namespace strata::http {
struct Request;
}

namespace strata::codec::websocket {

// base64(SHA-1(key + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11")) (4.2.2).
std::string accept_key(std::string_view client_key);
// True when `key` is the base64 encoding of exactly 16 bytes (24
// characters ending in "==", RFC 6455 4.1 step 7).
bool valid_client_key(std::string_view key);
// 16 random bytes, base64: a key for a client handshake (the load tool).
std::string make_client_key();

enum class HandshakeError : std::uint8_t {
  none,
  not_websocket,   // h1: no "Upgrade: websocket" + "Connection: upgrade"; h2/h3: :protocol != websocket
  bad_method,      // h1: not GET (h2/h3: not CONNECT)
  bad_version,     // Sec-WebSocket-Version missing or not 13 -> 426 + "Sec-WebSocket-Version: 13"
  bad_key,         // h1: Sec-WebSocket-Key missing or not 16 bytes of base64
};

// Checks a request that asks for a WebSocket. HTTP/1.0 requests are
// not_websocket. On h2/h3 (extended CONNECT) no key is used.
HandshakeError check_upgrade_request(const http::Request& req);
// The HTTP status to answer a failed check with: 426 for bad_version,
// 400 otherwise (0 for none).
int handshake_status(HandshakeError e);
std::string_view describe(HandshakeError e);

// True when the comma-separated header value `list` has `token`
// (case-insensitive, optional whitespace), e.g. Connection: keep-alive, Upgrade.
bool has_token(std::string_view list, std::string_view token);

}  // namespace strata::codec::websocket
