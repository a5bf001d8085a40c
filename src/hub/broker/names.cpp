#include "hub/broker/names.hpp"

#include "redis/partition_tags.hpp"
#include "redis/slot.hpp"

namespace strata::hub::broker {

Names::Names(std::string prefix, unsigned partitions, bool cluster) : prefix_(std::move(prefix)) {
  if (partitions == 0) partitions = 1;
  tags_ = redis::partition_tags(partitions, cluster);
  if (tags_.empty()) tags_.push_back("0");  // n out of range (config keeps it in 1..16384)
}

unsigned Names::partition(std::string_view channel) const {
  return redis::jump_bucket(channel, unsigned(tags_.size()));
}

std::string Names::route(std::string_view channel) const {
  return "{" + tags_[partition(channel)] + "}";
}

ChannelKeys Names::keys(std::string_view channel) const {
  ChannelKeys k;
  k.route = route(channel);
  std::string base = prefix_ + k.route;
  auto name = [&](std::string_view kind) {
    std::string s;
    s.reserve(base.size() + kind.size() + 1 + channel.size());
    s += base;
    s += kind;
    s += ':';
    s += channel;
    return s;
  };
  k.stream = name("s");
  k.meta = name("m");
  k.presence = name("p");
  k.presence_expiry = name("pz");
  k.presence_users = name("pu");
  k.pubsub = name("c");
  return k;
}

std::string_view Names::channel_of(std::string_view pubsub) const {
  // P{T}c:<channel>
  if (pubsub.substr(0, prefix_.size()) != prefix_) return {};
  pubsub.remove_prefix(prefix_.size());
  if (pubsub.empty() || pubsub[0] != '{') return {};
  auto close = pubsub.find('}');
  if (close == std::string_view::npos || pubsub.substr(close + 1, 2) != "c:") return {};
  return pubsub.substr(close + 3);
}

}  // namespace strata::hub::broker
