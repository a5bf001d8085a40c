#include "upstream/lb/ring_hash.hpp"

#include <algorithm>
#include <string>

#include <xxhash.h>

namespace strata::upstream::lb {

std::uint64_t hash_key(std::string_view key) { return XXH64(key.data(), key.size(), 0); }

void RingHash::update(std::span<const Host> hosts) {
  ring_.clear();
  built_for_ = hosts.size();
  std::uint64_t total = 0;
  for (const auto& h : hosts) total += std::uint64_t(effective_weight(h)) * ring_size_;
  // Scale so the ring stays bounded; every host keeps at least one point.
  const double scale = total > kMaxRing ? double(kMaxRing) / double(total) : 1.0;
  ring_.reserve(std::min<std::uint64_t>(total, kMaxRing) + hosts.size());
  std::string buf;
  for (std::size_t i = 0; i < hosts.size(); ++i) {
    const auto points = std::max<std::uint64_t>(
        1, std::uint64_t(double(effective_weight(hosts[i])) * ring_size_ * scale));
    for (std::uint64_t v = 0; v < points; ++v) {
      buf = hosts[i].key;
      buf += '#';
      buf += std::to_string(v);
      ring_.emplace_back(XXH64(buf.data(), buf.size(), 0), i);
    }
  }
  std::sort(ring_.begin(), ring_.end());
}

std::optional<std::size_t> RingHash::pick(std::span<const Host> hosts, std::uint64_t hash) {
  if (hosts.empty()) return std::nullopt;
  if (built_for_ != hosts.size() || ring_.empty()) update(hosts);
  auto it = std::lower_bound(ring_.begin(), ring_.end(), std::make_pair(hash, std::size_t(0)));
  if (it == ring_.end()) it = ring_.begin();
  return it->second;
}

}  // namespace strata::upstream::lb
