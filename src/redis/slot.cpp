// Key slots (CRC16/XMODEM, hash tags) and jump consistent hashing
// (redis/slot.hpp).
#include "redis/slot.hpp"

#include <array>

namespace strata::redis {
namespace {

constexpr std::array<std::uint16_t, 256> make_table() {
  std::array<std::uint16_t, 256> t{};
  for (unsigned i = 0; i < 256; ++i) {
    std::uint16_t c = static_cast<std::uint16_t>(i << 8);
    for (int b = 0; b < 8; ++b) c = static_cast<std::uint16_t>((c & 0x8000) ? (c << 1) ^ 0x1021 : (c << 1));
    t[i] = c;
  }
  return t;
}
constexpr auto kTable = make_table();

// FNV-1a 64 then a final mix: spreads short keys ("ch1", "ch2") well.
std::uint64_t hash64(std::string_view s) {
  std::uint64_t h = 1469598103934665603ull;
  for (unsigned char c : s) {
    h ^= c;
    h *= 1099511628211ull;
  }
  h ^= h >> 33;
  h *= 0xff51afd7ed558ccdull;
  h ^= h >> 33;
  return h;
}

}  // namespace

std::uint16_t crc16(std::string_view data) {
  std::uint16_t crc = 0;
  for (unsigned char c : data) crc = static_cast<std::uint16_t>((crc << 8) ^ kTable[((crc >> 8) ^ c) & 0xff]);
  return crc;
}

unsigned key_slot(std::string_view key) {
  auto open = key.find('{');
  if (open != std::string_view::npos) {
    auto close = key.find('}', open + 1);
    if (close != std::string_view::npos && close > open + 1) key = key.substr(open + 1, close - open - 1);
  }
  return crc16(key) & (kSlots - 1);
}

unsigned jump_bucket(std::string_view key, unsigned buckets) {
  if (buckets <= 1) return 0;
  std::uint64_t k = hash64(key);
  std::int64_t b = -1, j = 0;
  while (j < static_cast<std::int64_t>(buckets)) {
    b = j;
    k = k * 2862933555777941757ull + 1;
    j = static_cast<std::int64_t>(double(b + 1) * (double(1ll << 31) / double((k >> 33) + 1)));
  }
  return static_cast<unsigned>(b);
}

}  // namespace strata::redis
