// Server-Sent Events clients of the hub (docs/hub.md "SSE") on HTTP/1.1,
// HTTP/2 and HTTP/3, over the Exchange: `retry: 3000`, `event: connect`,
// one `event: subscribe` per server-side subscription (URL `channels=` and
// the token's `channels` claim), then publications (`id: <epoch>:<offset>`),
// join/leave events, `: ping` comments every hub.heartbeat, and on a server
// close `event: disconnect` before the stream ends. `Last-Event-ID`
// (or `since=`) recovers a single-channel stream.
// Thread: the exchange's worker.
#pragma once
#include <boost/asio/awaitable.hpp>

#include "http/exchange.hpp"

namespace strata::hub::transport {

struct HubEnv;

// True when the request asks for an event stream (GET, Accept has
// text/event-stream).
bool is_sse_request(const http::Request& r);

// Serves one SSE client until it goes or the hub closes the stream.
boost::asio::awaitable<void> serve_sse(http::Exchange& ex, HubEnv& env);

}  // namespace strata::hub::transport
