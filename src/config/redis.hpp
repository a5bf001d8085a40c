// The `redis:` section: how strata reaches Redis (src/redis/). General, not
// hub-specific: the hub's multi-node broker (hub.broker.type: redis) uses it
// today, limits shared across nodes may tomorrow. Plain data, part of the
// immutable Config snapshot. Changing it takes effect on restart (a reload
// logs that the old connections stay).
#pragma once
#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

namespace strata::config {

enum class RedisMode {
  standalone,  // one Redis (addresses[0])
  shards,      // several standalone Redis; keys spread by jump hash over `addresses` (order matters)
  cluster,     // Redis Cluster; `addresses` are seed nodes, topology from CLUSTER SHARDS/SLOTS
};

struct RedisConfig {
  RedisMode mode = RedisMode::standalone;
  std::vector<std::string> addresses{"127.0.0.1:6379"};  // host:port ([v6]:port)
  std::string username;            // ACL user: AUTH <username> <password>; "" = AUTH <password>
  std::string password;            // "" and no password_file = no AUTH
  std::string password_file;       // password read from a file (trailing newline stripped)
  std::uint32_t db = 0;            // SELECT db (standalone/shards; cluster has only 0)
  bool tls = false;                // TLS to every node (OpenSSL through Asio)
  std::string tls_ca_file;         // CA bundle to verify the server ("" = system store)
  std::string tls_server_name;     // SNI and name to verify ("" = the host of the address)
  bool tls_verify = true;
  std::chrono::milliseconds connect_timeout{1000};   // TCP + TLS + AUTH/SELECT
  std::chrono::milliseconds command_timeout{1000};   // a reply not back in time: the connection is reset
  std::chrono::milliseconds reconnect_min{100};      // jittered exponential backoff between attempts
  std::chrono::milliseconds reconnect_max{5000};
  std::uint32_t max_pending = 100000;              // commands queued + in flight per connection
  std::uint64_t max_reply = 64ull * 1024 * 1024;   // bytes of one reply; more: protocol error, reset
  std::uint32_t max_redirects = 5;                 // cluster: MOVED/ASK followed per command
  std::chrono::milliseconds topology_refresh{std::chrono::seconds(30)};  // cluster: periodic refresh
  bool operator==(const RedisConfig&) const = default;
};

}  // namespace strata::config
