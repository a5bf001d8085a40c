// A minimal RFC 6455 WebSocket echo server for `strata origin` /ws (a test
// tool, not a general WebSocket library). ws_accept() computes the
// handshake answer; ws_echo() serves one connection after the 101: data
// frames (text, binary, continuation) are echoed frame by frame with the
// same FIN bit and opcode, payloads streamed through a kOriginChunk buffer
// (so message size is unbounded, memory is not); ping gets pong; close is
// answered with close (same status) and the connection ends. Protocol
// errors (unmasked or reserved-bit frames, bad control frames) close with
// 1002. No extensions are negotiated. `idle` without a client byte ends the
// connection. Runs on the transport's executor.
#pragma once
#include <chrono>
#include <string>
#include <string_view>

#include <boost/asio/awaitable.hpp>

namespace strata::io {
class Transport;
}

namespace strata::tools {

// base64(SHA-1(key + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11")).
std::string ws_accept(std::string_view key);

// `leftover`: bytes the client sent after its handshake.
boost::asio::awaitable<void> ws_echo(io::Transport& t, std::string leftover,
                                     std::chrono::milliseconds idle);

}  // namespace strata::tools
