// Cluster mode (config/redis.hpp RedisMode::cluster): the redis::Client
// over a Redis Cluster, for one worker (client.hpp).
//
// Topology: read from one node with CLUSTER SHARDS (CLUSTER SLOTS when the
// server does not know it), asking first the nodes already connected, then
// the seeds (cfg.addresses). One command Connection per master; a command
// goes to the master of key_slot(route). A MOVED reply refreshes the
// topology and the command is retried on the named node; ASK sends ASKING
// then the command to the named node; TRYAGAIN is retried after a short
// pause; at most cfg.max_redirects of these per command, then
// Errc::redirected. Before the first topology is known, commands wait
// for the read in progress (at most max_pending of them; all failed with
// Errc::disconnected when no seed answers; while no read is in progress
// they fail fast).
// Refresh: every cfg.topology_refresh, on MOVED, when a master's connection
// goes down and when a subscription is interrupted; while the cluster is
// unsettled (a master unreachable, slots uncovered, a subscription not
// placed) it is read again every 250 ms .. 1 s. During a master's outage
// the commands for its slots fail fast with Errc::disconnected; after the
// failover they go to the promoted replica.
// Sharded pub/sub: one PubSubConnection(sharded) per master that has
// subscriptions; a channel is placed on the master of key_slot(route).
// When that master dies or the slot moves (the server's SUNSUBSCRIBE comes
// as on_interrupted), the handler sees on_interrupted, and once the
// topology names the new owner the channel is subscribed there (all
// channels moving in one turn go out batched per slot) and the handler
// sees on_subscribed.
// Thread: the executor's (all calls and callbacks).
#pragma once
#include <memory>
#include <string>

#include "redis/client.hpp"
#include "redis/cluster_topology.hpp"

namespace strata::redis {

class ClusterClient : public Client {
 public:
  // The topology in use (empty before the first read).
  virtual const ClusterTopology& topology() const = 0;
  // Reads the topology again now (coalesced with one in progress).
  virtual void refresh() = 0;
  // Successful topology reads so far.
  virtual std::size_t topology_reads() const = 0;
  // The master a subscription is placed on ("" when not placed).
  virtual std::string placed_on(std::string_view channel) const = 0;
};

std::unique_ptr<ClusterClient> make_cluster(const config::RedisConfig& cfg, boost::asio::any_io_executor ex,
                                            std::string name);

}  // namespace strata::redis
