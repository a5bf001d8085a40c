// One logical Redis deployment (config/redis.hpp: standalone, shards or
// cluster) as ONE worker sees it: its own connections (a command
// connection per node, and a pub/sub connection per node once something
// is subscribed there), all on the worker's executor, so what Redis sends
// lands on that worker's thread with no hand-off. Routing: every call
// names a `route` (a key or hash-tagged name): cluster mode sends it to the
// master of key_slot(route); shards mode to jump_bucket(route, shards);
// standalone ignores it. Users keep all keys of one operation on one route.
// Thread: the executor's (all calls and callbacks).
#pragma once
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <boost/asio/any_io_executor.hpp>

#include "redis/reply.hpp"
#include "redis/script.hpp"
#include "redis/subscriber.hpp"

namespace strata::config {
struct RedisConfig;
}

namespace strata::redis {

class Client {
 public:
  virtual ~Client() = default;

  // One command on the node serving `route`. Fails fast with
  // Errc::disconnected while that node is unreachable. Cluster: MOVED and
  // ASK are followed (max_redirects) and refresh the topology.
  virtual void command(std::string_view route, std::vector<std::string> args, Callback cb) = 0;
  // EVALSHA script.sha1 numkeys keys... args...; EVAL on NOSCRIPT.
  virtual void eval(std::string_view route, const Script& script, std::vector<std::string> keys,
                    std::vector<std::string> args, Callback cb) = 0;

  // Pub/sub on the node serving `route`: SSUBSCRIBE (sharded pub/sub) in
  // cluster mode, SUBSCRIBE otherwise; batched per turn; idempotent. The
  // handler sees on_subscribed/on_message/on_interrupted for the channel.
  // Cluster: after a failover or slot migration the client resubscribes
  // by itself (on_interrupted, then on_subscribed).
  virtual void subscribe(std::string_view route, std::string_view channel) = 0;
  virtual void unsubscribe(std::string_view route, std::string_view channel) = 0;
  // Set once, before the first subscribe().
  virtual void set_handler(SubscriberHandler* h) = 0;

  // The command connection serving `route` is up.
  virtual bool up(std::string_view route) const = 0;
  // Cluster mode: publications use SPUBLISH (and scripts call it).
  virtual bool sharded() const = 0;
  // Cancels everything; callbacks get Errc::closed.
  virtual void close() = 0;
};

// By cfg.mode. `name` labels logs and metrics ("hub").
std::unique_ptr<Client> make_client(const config::RedisConfig& cfg, boost::asio::any_io_executor ex,
                                    std::string name = {});
// Per mode (redis/standalone_client.cpp, redis/shards_client.cpp, redis/cluster_client.cpp).
std::unique_ptr<Client> make_standalone_client(const config::RedisConfig& cfg, boost::asio::any_io_executor ex,
                                               std::string name);
std::unique_ptr<Client> make_shards_client(const config::RedisConfig& cfg, boost::asio::any_io_executor ex,
                                           std::string name);
std::unique_ptr<Client> make_cluster_client(const config::RedisConfig& cfg, boost::asio::any_io_executor ex,
                                            std::string name);

}  // namespace strata::redis
