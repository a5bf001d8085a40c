// Lower-case hex digits of a 64-bit value, two digits per table lookup (the
// request id and traceparent of every proxied request). Header-only.
#pragma once
#include <array>
#include <cstdint>
#include <cstring>

namespace strata::core {

namespace detail {
constexpr std::array<char, 512> make_hex_pairs() {
  constexpr char kHex[] = "0123456789abcdef";
  std::array<char, 512> t{};
  for (int i = 0; i < 256; ++i) {
    t[2 * i] = kHex[i >> 4];
    t[2 * i + 1] = kHex[i & 0xf];
  }
  return t;
}
inline constexpr std::array<char, 512> kHexPairs = make_hex_pairs();
}  // namespace detail

// Writes the 16 hex digits of `v`, most significant first, to out[0..16).
inline void hex_u64(char* out, std::uint64_t v) {
  for (int i = 0; i < 8; ++i)
    std::memcpy(out + 2 * i, &detail::kHexPairs[2 * ((v >> (56 - 8 * i)) & 0xff)], 2);
}

}  // namespace strata::core
