// Redis Cluster topology as the cluster client uses it: which master
// serves each of the 16384 slots (and its replicas), read from a
// `CLUSTER SHARDS` reply (Redis 7) or, for older servers, `CLUSTER SLOTS`;
// and the MOVED/ASK redirections a node answers for a slot it does not
// serve. Parsers never throw: a malformed reply gives false and a message
// naming what was wrong (logged by the client, counted as a bad reply).
// Thread: plain values.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "redis/connection.hpp"
#include "redis/reply.hpp"

namespace strata::redis {

struct SlotRange {
  unsigned first = 0, last = 0;  // inclusive, first <= last < 16384
  bool operator==(const SlotRange&) const = default;
};

struct ClusterShard {
  std::vector<SlotRange> slots;
  Endpoint master;
  std::vector<Endpoint> replicas;  // not failed (CLUSTER SHARDS health online or loading)
  bool operator==(const ClusterShard&) const = default;
};

class ClusterTopology {
 public:
  // Builds the slot map. A slot claimed by two shards keeps the first.
  explicit ClusterTopology(std::vector<ClusterShard> shards = {});

  const std::vector<ClusterShard>& shards() const { return shards_; }
  // The master serving `slot`, or null when no shard has it.
  const Endpoint* master_of(unsigned slot) const;
  // Index in shards() of the shard serving `slot`, -1 when none.
  int shard_of(unsigned slot) const;
  // Slots with a master (16384 when the cluster is fully covered).
  unsigned covered() const { return covered_; }
  // The distinct masters, in shards() order.
  std::vector<Endpoint> masters() const;
  bool empty() const { return covered_ == 0; }
  // Same slot -> master map (replicas ignored).
  bool same_masters(const ClusterTopology& o) const { return slot_shard_masters() == o.slot_shard_masters(); }

 private:
  std::vector<std::string> slot_shard_masters() const;
  std::vector<ClusterShard> shards_;
  std::vector<std::int16_t> slot_;  // kSlots entries: shard index or -1
  unsigned covered_ = 0;
};

// How a node's announced address is resolved: `from` is the node the reply
// came from (an empty endpoint/ip means "the address you reached me at");
// `tls` picks tls-port when the reply gives one.
struct TopologyContext {
  Endpoint from;
  bool tls = false;
};

// CLUSTER SHARDS (Redis >= 7.0): array of shards, each a key/value array
// with "slots" (flat list of range bounds) and "nodes" (key/value arrays:
// id, port, tls-port, ip, endpoint, hostname, role, replication-offset,
// health). Masters with health "fail" are still the slot's master (the
// cluster has not promoted a replica yet); shards without slots are skipped.
bool parse_cluster_shards(const Reply& r, const TopologyContext& ctx, ClusterTopology& out, std::string& err);
// CLUSTER SLOTS: array of [first, last, [ip, port, id, ...] master, replicas...].
bool parse_cluster_slots(const Reply& r, const TopologyContext& ctx, ClusterTopology& out, std::string& err);

// "-MOVED 3999 127.0.0.1:6381" / "-ASK 3999 127.0.0.1:6381" (error text
// without the '-'). An empty host ("MOVED 3999 :6381") means `from`'s host.
struct Redirect {
  enum class Kind : std::uint8_t { moved, ask };
  Kind kind = Kind::moved;
  unsigned slot = 0;
  Endpoint to;
};
std::optional<Redirect> parse_redirect(std::string_view error, const Endpoint& from);

// Error replies that say a command must go elsewhere or later:
// "CLUSTERDOWN ...", "TRYAGAIN ..." (multi-key during a migration).
bool is_retryable_cluster_error(std::string_view error);

}  // namespace strata::redis
