// Consistent hashing on a ring of virtual nodes (xxHash64). Each host gets
// ring_size * weight points (the ring is capped at kMaxRing entries, scaled
// down proportionally); a request goes to the first point at or after its
// key hash. Removing a host only remaps the keys that were on it.
#pragma once
#include <utility>
#include <vector>

#include "upstream/lb/policy.hpp"

namespace strata::upstream::lb {

class RingHash final : public Policy {
 public:
  static constexpr std::size_t kMaxRing = 1u << 20;
  explicit RingHash(std::uint32_t ring_size) : ring_size_(ring_size == 0 ? 1 : ring_size) {}
  void update(std::span<const Host> hosts) override;
  std::optional<std::size_t> pick(std::span<const Host> hosts, std::uint64_t hash) override;

 private:
  std::uint32_t ring_size_;
  std::size_t built_for_ = 0;
  std::vector<std::pair<std::uint64_t, std::size_t>> ring_;  // (point, host index), sorted
};

// xxHash64 of a request key (header value, cookie value or client address).
std::uint64_t hash_key(std::string_view key);

}  // namespace strata::upstream::lb
