// Encoding the hub's replies and server-originated messages (docs/hub.md
// "Wire protocol"): the WebSocket JSON texts and the SSE events that are
// not publications (those are built once per Push by hub/push_build.hpp).
// Thread: pure functions.
#pragma once
#include <cstdint>
#include <string>
#include <string_view>

#include "hub/hub.hpp"

namespace strata::hub::protocol {

// {"id":N,"error":{"code":C,"message":"..."}}; `message` "" = error_message(e).
std::string error_reply(std::uint64_t id, Error e, std::string_view message = {});
// {"id":N,"result":<result_json>}
std::string result_reply(std::uint64_t id, std::string_view result_json);

// Result objects (JSON texts).
// connect: {"client":"17","user":"u1"[,"expires_in":S]}; expires_in < 0 = none.
std::string connect_result(ClientId client, std::string_view user, std::int64_t expires_in);
// subscribe: {"offset":9,"epoch":"e1","recoverable":bool[,"recovered":bool,"missed":N]}
// (recovered/missed only when `since` was asked).
std::string subscribe_result(const SubscribeResult& r, bool recoverable);
std::string publish_result(const PublishResult& r);
std::string presence_result(const PresenceResult& r);
// {"offset":..,"epoch":..,"recovered":bool,"publications":[{"offset":6,"data":..},..]}
std::string history_result(const HistoryResult& r);

// Server-side subscription (URL or token channels) over WebSocket:
// {"push":{"channel":C,"subscribe":{"offset":9,"epoch":"e1","recovered":bool}}}
std::string subscribe_push(std::string_view channel, const SubscribeResult& r);

// The hub dropped a subscription: {"push":{"channel":C,"unsubscribe":{}}}
std::string unsubscribe_push(std::string_view channel);

// SSE (text/event-stream) pieces.
inline constexpr std::string_view kSseRetry = "retry: 3000\n\n";
inline constexpr std::string_view kSsePing = ": ping\n\n";
// event: connect\ndata: {"client":"17","user":"u1"}\n\n
std::string sse_connect(ClientId client, std::string_view user);
// event: subscribe\ndata: {"channel":C,"offset":9,"epoch":"e1","recovered":bool}\n\n
std::string sse_subscribe(std::string_view channel, const SubscribeResult& r);
// event: disconnect\ndata: {"code":4008,"reason":"slow consumer"}\n\n
std::string sse_disconnect(std::uint16_t code, std::string_view reason);
// event: error\ndata: {"channel":C,"code":103,"message":"..."}\n\n (a server-side
// subscription that failed)
std::string sse_error(std::string_view channel, Error e);

}  // namespace strata::hub::protocol
