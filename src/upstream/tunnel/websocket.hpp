// The HTTP/1.1 WebSocket opening handshake the proxy makes upstream on
// behalf of an RFC 8441 / RFC 9220 client (which sends no key): a random
// Sec-WebSocket-Key and the Sec-WebSocket-Accept it must come back with
// (RFC 6455 4.1, 4.2.2). Thread-safe.
#pragma once
#include <string>
#include <string_view>

namespace strata::upstream::tunnel {

// 16 random bytes, base64 (24 characters).
std::string websocket_key();
// base64(SHA-1(key + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11")).
std::string websocket_accept(std::string_view key);

}  // namespace strata::upstream::tunnel
