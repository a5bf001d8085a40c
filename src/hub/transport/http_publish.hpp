// Client publish over plain HTTP on a `hub:` route (docs/hub.md), for
// clients that have no WebSocket to publish on (an EventSource page):
// POST <hub route> with {"channel":"c","data":<json>} and the client's token
// as "Authorization: Bearer <JWT>" or ?token= (none: anonymous). The same
// rules as the WebSocket `publish` command apply (namespace client_publish,
// anonymous, #user channels, hub.max_message). Replies are JSON:
// 200 {"result":{"offset":N,"epoch":"e"}}, 400/401/403/413 {"error":{...}}.
// Thread: the exchange's worker.
#pragma once
#include <boost/asio/awaitable.hpp>

#include "http/exchange.hpp"

namespace strata::hub::transport {

struct HubEnv;

boost::asio::awaitable<void> serve_http_publish(http::Exchange& ex, HubEnv& env);

}  // namespace strata::hub::transport
