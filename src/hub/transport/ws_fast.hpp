// The HTTP/1.1 WebSocket fast path (memory goal: <= 2 KB per idle
// subscriber): after the 101 the plain TCP socket moves into a small heap
// object driven by callbacks, and the h1 connection coroutine ends. No
// per-connection read buffer: readiness is awaited with async_wait, bytes
// are read into a per-worker buffer and fed to the reader (which keeps a
// partial frame only while it is partial). Writes go out directly with
// writev from the OutQueue (shared Push bytes, no copy), once per
// event-loop turn; only on EAGAIN does the object wait for writability.
// Thread: the socket's worker.
#pragma once
#include <optional>
#include <string>

#include <boost/asio/ip/tcp.hpp>

#include "codec/websocket/permessage_deflate.hpp"

namespace strata::hub::transport {

struct HubEnv;
struct UrlParams;

// Takes over `sock` (a WebSocket after its 101; `leftover`: bytes the
// client sent past the request head) and serves it until it closes.
// Returns at once; the connection lives on its own.
void start_fast_websocket(boost::asio::ip::tcp::socket sock, std::string leftover, HubEnv& env,
                          UrlParams params, std::optional<codec::websocket::DeflateParams> deflate);

}  // namespace strata::hub::transport
