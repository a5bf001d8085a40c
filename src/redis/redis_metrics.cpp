// strata_redis_* metrics (redis/redis_metrics.hpp).
#include "redis/redis_metrics.hpp"

namespace strata::redis {
namespace {

constexpr const char* kCommands = "strata_redis_commands_total";
constexpr const char* kCommandsHelp = "Redis commands completed, by result";
constexpr const char* kBad = "strata_redis_bad_replies_total";
constexpr const char* kBadHelp = "Redis replies rejected (the connection is reset), by kind";
constexpr const char* kRedir = "strata_redis_redirects_total";
constexpr const char* kRedirHelp = "Redis Cluster redirections followed, by kind";

}  // namespace

RedisMetrics& RedisMetrics::get() {
  static RedisMetrics m{
      obs::counter(kCommands, kCommandsHelp, {{"result", "ok"}}),
      obs::counter(kCommands, kCommandsHelp, {{"result", "error"}}),
      obs::counter(kCommands, kCommandsHelp, {{"result", "disconnected"}}),
      obs::counter(kCommands, kCommandsHelp, {{"result", "timeout"}}),
      obs::counter(kCommands, kCommandsHelp, {{"result", "overloaded"}}),
      obs::counter(kCommands, kCommandsHelp, {{"result", "protocol"}}),
      obs::counter(kCommands, kCommandsHelp, {{"result", "redirected"}}),
      obs::gauge("strata_redis_connections", "Redis connections up (command and pub/sub)"),
      obs::counter("strata_redis_reconnects_total", "Redis connection attempts after a loss or a failed attempt"),
      obs::gauge("strata_redis_pending", "Redis commands queued or waiting for their reply"),
      obs::counter(kBad, kBadHelp, {{"kind", "malformed"}}),
      obs::counter(kBad, kBadHelp, {{"kind", "too_large"}}),
      obs::counter(kBad, kBadHelp, {{"kind", "wrong_type"}}),
      obs::counter("strata_redis_pubsub_messages_total", "Redis pub/sub messages received"),
      obs::gauge("strata_redis_subscriptions", "Redis pub/sub channels subscribed (confirmed by Redis)"),
      obs::counter(kRedir, kRedirHelp, {{"kind", "moved"}}),
      obs::counter(kRedir, kRedirHelp, {{"kind", "ask"}}),
      obs::counter("strata_redis_topology_refreshes_total", "Redis Cluster topology reads"),
  };
  return m;
}

void RedisMetrics::count(const Result& r) {
  switch (r.err) {
    case Errc::ok: (r.reply.is_error() ? error : ok).inc(); break;
    case Errc::disconnected: disconnected.inc(); break;
    case Errc::timeout: timeout.inc(); break;
    case Errc::overloaded: overloaded.inc(); break;
    case Errc::protocol: protocol.inc(); break;
    case Errc::redirected: redirected.inc(); break;
    case Errc::closed: break;
  }
}

}  // namespace strata::redis
