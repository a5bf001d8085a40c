// Error codes of the hub protocol (replies: {"id":N,"error":{"code":C,
// "message":"..."}}) and the WebSocket close codes the hub uses
// (docs/hub.md lists both; clients may rely on them).
#pragma once
#include <cstdint>
#include <string_view>

namespace strata::hub {

enum class Error : std::uint16_t {
  none = 0,
  internal = 100,
  unauthorized = 101,       // no or bad token where one is needed
  unknown_channel = 102,    // bad channel name (syntax, length) or no such namespace
  permission_denied = 103,  // e.g. publish not allowed, someone else's #user channel
  method_not_found = 104,
  already_subscribed = 105,
  limit_exceeded = 106,     // channels per client, message size
  bad_request = 107,        // malformed command
  not_available = 108,      // presence/history off in the namespace
  token_expired = 109,
  not_subscribed = 110,
};
std::string_view error_message(Error e);

// WebSocket close codes (SSE streams just end; the code goes in a last
// "event: disconnect" when the stream is still writable).
namespace close_code {
inline constexpr std::uint16_t normal = 1000;
inline constexpr std::uint16_t protocol_error = 1002;     // RFC 6455 framing errors
inline constexpr std::uint16_t unsupported_data = 1003;
inline constexpr std::uint16_t invalid_payload = 1007;    // bad UTF-8, bad compressed data
inline constexpr std::uint16_t policy = 1008;
inline constexpr std::uint16_t too_big = 1009;            // frame/message over the limit
inline constexpr std::uint16_t internal = 1011;
inline constexpr std::uint16_t reconnect = 1012;          // drain/restart: reconnect (after a delay)
inline constexpr std::uint16_t bad_request = 4000;        // hub protocol violation
inline constexpr std::uint16_t unauthorized = 4001;       // bad token
inline constexpr std::uint16_t token_expired = 4002;
inline constexpr std::uint16_t forbidden = 4003;
inline constexpr std::uint16_t disconnected = 4005;       // by the publish API / admin
inline constexpr std::uint16_t slow_consumer = 4008;      // output queue over hub.out_queue
inline constexpr std::uint16_t heartbeat_timeout = 4009;  // nothing from the client in client_timeout
}  // namespace close_code

}  // namespace strata::hub
