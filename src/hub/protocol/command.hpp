// Client commands of the hub's WebSocket JSON protocol (docs/hub.md "Wire
// protocol"): one JSON object per text frame, `id` a positive integer and
// exactly one method key:
//   {"id":1,"connect":{"token":"JWT"}}
//   {"id":2,"subscribe":{"channel":"c","since":{"offset":5,"epoch":"e1"},"token":"SUBJWT"}}
//   {"id":3,"unsubscribe":{"channel":"c"}}
//   {"id":4,"publish":{"channel":"c","data":<any JSON>}}
//   {"id":5,"presence":{"channel":"c"}}
//   {"id":6,"history":{"channel":"c","since":{...},"limit":100}}
//   {"id":7,"ping":{}}
// Strict: text that is not JSON, not an object, or without a valid id is a
// protocol violation (the connection closes with 4000); an unknown method
// is answered with error 104; a known method with bad parameters (wrong
// types, unknown keys, several methods) with error 107.
// Thread: pure functions.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "hub/codes.hpp"
#include "hub/hub.hpp"

namespace strata::hub::protocol {

enum class Method : std::uint8_t { connect, subscribe, unsubscribe, publish, presence, history, ping };

struct Command {
  std::uint64_t id = 0;
  Method method = Method::ping;
  std::string channel;                 // all but connect and ping
  std::string token;                   // connect; subscribe (subscribe token)
  std::optional<Position> since;       // subscribe, history
  std::string data;                    // publish: the data re-serialized compactly
  std::uint32_t limit = 0;             // history: 0 = all kept
};

struct ParseResult {
  enum class Kind : std::uint8_t {
    ok,        // `command` is valid
    error,     // answer {"id":id,"error":...} with `error`, keep the connection
    close,     // protocol violation: close with close_code::bad_request
  };
  Kind kind = Kind::close;
  Command command;                     // ok; for error: command.id is the id to answer
  Error error = Error::none;
  std::string message;                 // detail for error / close reason
};

// Parses one client message. `max_data` bounds publish data (bytes of the
// compact form; over it: Error::limit_exceeded).
ParseResult parse_command(std::string_view text, std::size_t max_data);

// "since" of the URL ("<epoch>:<offset>") or Last-Event-ID: the same form
// (the epoch may itself not contain ':'). nullopt when malformed.
std::optional<Position> parse_position(std::string_view s);

}  // namespace strata::hub::protocol
