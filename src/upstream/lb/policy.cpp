#include "upstream/lb/policy.hpp"

#include "upstream/lb/ewma.hpp"
#include "upstream/lb/least_request.hpp"
#include "upstream/lb/random.hpp"
#include "upstream/lb/ring_hash.hpp"
#include "upstream/lb/round_robin.hpp"

namespace strata::upstream::lb {

std::unique_ptr<Policy> make_policy(std::string_view name, std::uint32_t ring_size,
                                    std::uint64_t seed) {
  if (name == "least_request") return std::make_unique<LeastRequest>(seed);
  if (name == "ring_hash") return std::make_unique<RingHash>(ring_size);
  if (name == "ewma") return std::make_unique<EwmaP2C>(seed);
  if (name == "random") return std::make_unique<Random>(seed);
  return std::make_unique<RoundRobin>();
}

}  // namespace strata::upstream::lb
