// The `hub:` route action (docs/hub.md): picks the transport for a request
//  - HTTP/1.1 Upgrade: websocket, cleartext -> the callback fast path
//    (ws_fast.hpp; the h1 connection coroutine ends);
//  - HTTP/1.1 Upgrade over TLS, HTTP/2 / HTTP/3 extended CONNECT with
//    :protocol websocket -> the coroutine path (ws_stream.hpp);
//  - GET with Accept: text/event-stream -> SSE (sse.hpp);
//  - anything else -> 400 (local reply "hub-bad-request").
// WebSocket handshake errors: 400, or 426 with Sec-WebSocket-Version: 13.
// Thread: the exchange's worker.
#pragma once
#include <boost/asio/awaitable.hpp>

#include "config/hub.hpp"
#include "http/exchange.hpp"

namespace strata::hub::transport {

struct HubEnv;

boost::asio::awaitable<void> serve(http::Exchange& ex, HubEnv& env, const config::HubAction& action);

}  // namespace strata::hub::transport
