// The Redis client's metrics (strata_redis_*), looked up once, process wide
// (every worker's connections add to the same series).
// Thread: any (relaxed atomics).
#pragma once
#include "obs/metrics.hpp"
#include "redis/reply.hpp"

namespace strata::redis {

struct RedisMetrics {
  // strata_redis_commands_total{result=...}: one per completed command.
  obs::Counter& ok;
  obs::Counter& error;         // a Redis error reply
  obs::Counter& disconnected;
  obs::Counter& timeout;
  obs::Counter& overloaded;
  obs::Counter& protocol;
  obs::Counter& redirected;
  obs::Gauge& connections;     // strata_redis_connections: connections up (command and pub/sub)
  obs::Counter& reconnects;    // strata_redis_reconnects_total: connection attempts after a loss or failure
  obs::Gauge& pending;         // strata_redis_pending: commands queued or in flight
  obs::Counter& malformed;     // strata_redis_bad_replies_total{kind=malformed}
  obs::Counter& too_large;     // strata_redis_bad_replies_total{kind=too_large}
  obs::Counter& wrong_type;    // strata_redis_bad_replies_total{kind=wrong_type}
  obs::Counter& messages;      // strata_redis_pubsub_messages_total
  obs::Gauge& subscriptions;   // strata_redis_subscriptions: channels confirmed by Redis
  obs::Counter& moved;         // strata_redis_redirects_total{kind=moved}
  obs::Counter& ask;           // strata_redis_redirects_total{kind=ask}
  obs::Counter& topology_refreshes;  // strata_redis_topology_refreshes_total

  static RedisMetrics& get();
  // Counts one completed command by its result (Errc::closed is not counted).
  void count(const Result& r);
};

}  // namespace strata::redis
