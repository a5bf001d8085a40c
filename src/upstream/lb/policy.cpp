#include "upstream/lb/policy.hpp"

#include "upstream/lb/ewma.hpp"
#include "upstream/lb/least_request.hpp"
#include "upstream/lb/random.hpp"
#include "upstream/lb/ring_hash.hpp"
#include "upstream/lb/round_robin.hpp"

namespace strata::upstream::lb {

std::unique_ptr<Policy> make_policy(config::LbPolicy kind, std::uint32_t ring_size,
                                    std::uint64_t seed) {
  using config::LbPolicy;
  switch (kind) {
    case LbPolicy::least_request: return std::make_unique<LeastRequest>(seed);
    case LbPolicy::ring_hash: return std::make_unique<RingHash>(ring_size);
    case LbPolicy::ewma: return std::make_unique<EwmaP2C>(seed);
    case LbPolicy::random: return std::make_unique<Random>(seed);
    case LbPolicy::round_robin: break;
  }
  return std::make_unique<RoundRobin>();
}

}  // namespace strata::upstream::lb
