// WebSocket hub clients over an http::ByteStream: TLS HTTP/1.1 after the
// 101, HTTP/2 (RFC 8441) and HTTP/3 (RFC 9220) extended CONNECT streams.
// A reader coroutine feeds the WsSession, the writer (this coroutine)
// sends what the OutQueue holds, batched per turn. Memory matters less
// here than on the h1 fast path (a read buffer per connection).
// Thread: the stream's executor.
#pragma once
#include <memory>
#include <optional>

#include <boost/asio/awaitable.hpp>

#include "codec/websocket/permessage_deflate.hpp"
#include "http/tunnel.hpp"

namespace strata::hub::transport {

struct HubEnv;
struct UrlParams;

// Serves the client until it closes; `transport` labels the connection
// gauge ("websocket_tls", "websocket_h2", "websocket_h3").
boost::asio::awaitable<void> serve_stream_websocket(std::unique_ptr<http::ByteStream> stream,
                                                    HubEnv& env, UrlParams params,
                                                    std::optional<codec::websocket::DeflateParams> deflate,
                                                    const char* transport);

}  // namespace strata::hub::transport
