// Load-balancing policy interface. Knows nothing of HTTP or sockets: it
// picks an index into a list of hosts described by weight and active
// request count. One instance per cluster per worker; not thread-safe.
#pragma once
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "config/upstream_enums.hpp"

namespace strata::upstream::lb {

struct Host {
  std::string key;            // stable identity ("10.0.0.1:80"), hashed by ring_hash
  std::uint32_t weight = 1;   // 0 is treated as 1
  std::uint32_t active = 0;   // requests in flight (least_request)
  double latency = 0;         // EWMA response time in seconds, 0 = unknown (ewma)
};

class Policy {
 public:
  virtual ~Policy() = default;
  // Rebuilds state for a new host list (called when the set or weights change).
  virtual void update(std::span<const Host> hosts) = 0;
  // Picks an index into `hosts` (the same list given to update(), with live
  // active counts). `hash` is the request key hash (ring_hash only).
  // nullopt when there is no host.
  virtual std::optional<std::size_t> pick(std::span<const Host> hosts, std::uint64_t hash) = 0;
};

// The policy for `kind` (clusters.*.lb). ring_size: ring_hash virtual
// nodes per weight unit. seed: random source seed.
std::unique_ptr<Policy> make_policy(config::LbPolicy kind, std::uint32_t ring_size,
                                    std::uint64_t seed);

inline std::uint32_t effective_weight(const Host& h) { return h.weight == 0 ? 1 : h.weight; }

}  // namespace strata::upstream::lb
