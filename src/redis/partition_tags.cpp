#include "redis/partition_tags.hpp"

#include <cstdint>

#include "redis/slot.hpp"

namespace strata::redis {

unsigned slot_segment(unsigned slot, unsigned n) {
  return static_cast<unsigned>(std::uint64_t(slot) * n / kSlots);
}

std::vector<std::string> cluster_partition_tags(unsigned n) {
  if (n == 0 || n > kMaxPartitions) return {};
  std::vector<std::string> tags(n);
  unsigned missing = n;
  // Every segment holds at least one slot (n <= 16384) and CRC16 of the
  // decimal numbers reaches every slot well before 10^7: the loop ends.
  for (std::uint64_t i = 0; missing > 0 && i < 100'000'000; ++i) {
    std::string s = std::to_string(i);
    unsigned k = slot_segment(crc16(s) % kSlots, n);
    if (tags[k].empty()) {
      tags[k] = std::move(s);
      --missing;
    }
  }
  return tags;
}

std::string plain_partition_tag(unsigned k) { return std::to_string(k); }

std::vector<std::string> partition_tags(unsigned n, bool cluster) {
  if (cluster) return cluster_partition_tags(n);
  std::vector<std::string> tags;
  tags.reserve(n);
  for (unsigned k = 0; k < n; ++k) tags.push_back(plain_partition_tag(k));
  return tags;
}

}  // namespace strata::redis
