// Redis Cluster key slots: CRC16 (XMODEM) of the key, or of its hash tag
// (the part between the first '{' and the next '}' when not empty), mod
// 16384. Jump consistent hashing (Lamping & Veach) for shards mode.
#pragma once
#include <cstdint>
#include <string_view>

namespace strata::redis {

inline constexpr unsigned kSlots = 16384;
std::uint16_t crc16(std::string_view data);
unsigned key_slot(std::string_view key);
// Bucket in [0, buckets) for `key` (64-bit hash of the bytes, then jump hash).
unsigned jump_bucket(std::string_view key, unsigned buckets);

}  // namespace strata::redis
