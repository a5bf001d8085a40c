// Redis names of a hub channel (docs/hub.md "Multi-node"). Channel c hashes
// to partition k = jump_bucket(c, partitions); partition k has a hash tag
// T_k: the decimal k for standalone and shards, and in cluster mode a short
// tag whose key slot lies in the k-th of `partitions` equal segments of
// the slots (redis/partition_tags.hpp), so partitions spread evenly over
// the masters. With prefix P:
//   stream   P{T_k}s:c     entries "<offset>-1" {d: data, t: published_us}
//   meta     P{T_k}m:c     hash {o: offset, e: epoch}
//   presence P{T_k}p:c     hash client -> "<userlen>:<user><info>"
//            P{T_k}pz:c    sorted set client -> expiry (unix ms)
//            P{T_k}pu:c    hash user -> clients (num_users = HLEN)
//   pub/sub  P{T_k}c:c
// Every name of one channel is in one slot; the route is "{T_k}".
// Thread: immutable after construction.
#pragma once
#include <string>
#include <string_view>
#include <vector>

namespace strata::hub::broker {

struct ChannelKeys {
  std::string route;       // "{T_k}"
  std::string stream, meta, presence, presence_expiry, presence_users, pubsub;
};

class Names {
 public:
  // `cluster`: tags spread over the slots; otherwise tag = partition number.
  Names(std::string prefix, unsigned partitions, bool cluster);

  unsigned partition(std::string_view channel) const;
  const std::string& tag(unsigned partition) const { return tags_[partition]; }
  std::string route(std::string_view channel) const;
  ChannelKeys keys(std::string_view channel) const;
  // The hub channel of a pub/sub channel name (empty when not one of ours).
  std::string_view channel_of(std::string_view pubsub) const;

 private:
  std::string prefix_;
  std::vector<std::string> tags_;
};

}  // namespace strata::hub::broker
