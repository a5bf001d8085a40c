// One command connection to one Redis node: TCP (TLS optional) on an Asio
// executor, hiredis's reader for replies and its formatter for commands
// (redis/reader.hpp, redis/format.hpp; no hand-written RESP parser).
// Commands are pipelined (written together, replies matched in order).
// Connects at once; on loss, every command in flight fails with
// Errc::disconnected and it reconnects with jittered exponential backoff
// (reconnect_min..reconnect_max). While down, command() fails fast.
// After connecting: AUTH (username/password) and SELECT db, then up.
// Metrics: redis.hpp (redis/redis_metrics.hpp).
// Thread: the executor's (all calls and callbacks).
#pragma once
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <boost/asio/any_io_executor.hpp>

#include "redis/reply.hpp"

namespace strata::config {
struct RedisConfig;
}

namespace strata::redis {

struct Endpoint {
  std::string host;
  std::uint16_t port = 6379;
  std::string to_string() const;  // "host:port" ("[v6]:port")
  bool operator==(const Endpoint&) const = default;
};
// "host:port" or "[v6]:port"; false when malformed.
bool parse_endpoint(std::string_view s, Endpoint& out);

class Connection {
 public:
  // `cfg` is copied. `name` labels logs ("hub w0 127.0.0.1:6379").
  Connection(boost::asio::any_io_executor ex, Endpoint ep, const config::RedisConfig& cfg, std::string name = {});
  ~Connection();  // closes; pending callbacks get Errc::closed
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  void command(std::vector<std::string> args, Callback cb);
  bool up() const;
  // Called with true once connected (after AUTH/SELECT) and false when lost.
  void on_state(std::function<void(bool up)> f);
  const Endpoint& endpoint() const;
  void close();

  struct Impl;

 private:
  std::shared_ptr<Impl> impl_;
};

}  // namespace strata::redis
