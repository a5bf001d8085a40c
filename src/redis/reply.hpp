// A Redis reply as an owning value (built from hiredis's redisReply by the
// reader, redis/reader.hpp), and the result of one command: a transport
// error (Errc) or the reply (which may itself be a Redis error reply).
// Thread: plain values.
#pragma once
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

namespace strata::redis {

struct Reply {
  enum class Type : std::uint8_t { nil, integer, string, status, error, array };
  Type type = Type::nil;
  long long integer = 0;
  std::string str;              // string, status and error replies
  std::vector<Reply> elements;  // array replies (nil array = Type::nil)

  bool is_nil() const { return type == Type::nil; }
  bool is_error() const { return type == Type::error; }
  bool is_array() const { return type == Type::array; }
  bool is_string() const { return type == Type::string || type == Type::status; }
  bool is_integer() const { return type == Type::integer; }
};

// Why a command got no reply.
enum class Errc : std::uint8_t {
  ok = 0,
  disconnected,  // the node is unreachable (fail fast: nothing is queued during an outage)
  timeout,       // no reply within command_timeout (the connection is reset)
  overloaded,    // over max_pending commands queued + in flight
  protocol,      // malformed reply, reply over max_reply, or a reply of the wrong type (the connection is reset)
  redirected,    // cluster: MOVED/ASK over max_redirects, or no node for the slot
  closed,        // the client was closed
};
std::string_view errc_name(Errc e);

struct Result {
  Errc err = Errc::ok;
  Reply reply;
  // No transport error and not a Redis error reply.
  bool ok() const { return err == Errc::ok && !reply.is_error(); }
  // For logs: the Errc name or the Redis error text.
  std::string error_text() const;
};

// Called exactly once per command, on the executor of the client that sent it.
using Callback = std::function<void(Result)>;

}  // namespace strata::redis
