// Hash tags for the partitions channels map to (REDIS_PLAN "Redis names").
// A channel goes to partition k = jump_bucket(channel, n); every key of
// partition k carries the hash tag "{T_k}", so a channel's keys share one
// slot (cluster) or one shard (shards mode).
//
// Cluster: masters own contiguous, roughly equal slot ranges, so T_k is
// chosen for key_slot("{T_k}") to lie in the k-th of n equal segments of
// 0..16383 (slot s is in segment s*n/16384): partitions spread evenly over
// the masters whatever their number. A naive tag ("{k}") lands where CRC16
// puts it and can leave masters idle (tests/unit/redis/partition_tags_test).
// T_k is the smallest decimal number (as text) whose slot is in segment k:
// deterministic, the same on every node and every version of strata.
// Standalone/shards: T_k is the partition number.
// Thread: pure functions.
#pragma once
#include <string>
#include <vector>

namespace strata::redis {

// Most partitions a cluster layout supports (one slot per partition).
inline constexpr unsigned kMaxPartitions = 16384;

// Segment (partition) of `slot` when 0..16383 is cut into `n` equal parts.
unsigned slot_segment(unsigned slot, unsigned n);

// The n cluster tags (without braces), T_0..T_{n-1}. n in 1..kMaxPartitions,
// otherwise empty. Cost: a few thousand CRC16s of short strings for n=128.
std::vector<std::string> cluster_partition_tags(unsigned n);

// The tag of partition k for standalone and shards modes: "k".
std::string plain_partition_tag(unsigned k);

// By mode: cluster_partition_tags(n) or the n plain tags.
std::vector<std::string> partition_tags(unsigned n, bool cluster);

}  // namespace strata::redis
