#include "upstream/tunnel/websocket.hpp"

#include "codec/websocket/handshake.hpp"

namespace strata::upstream::tunnel {

std::string websocket_key() { return codec::websocket::make_client_key(); }

std::string websocket_accept(std::string_view key) { return codec::websocket::accept_key(key); }

}  // namespace strata::upstream::tunnel
