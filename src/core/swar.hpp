// Byte scans eight bytes at a time ("SIMD within a register"): the header
// checks and case folding on every request's fields. Each word test is a
// prefilter that never misses a byte it looks for; a word it flags is then
// checked byte by byte, so the answers are exact. Tails shorter than a word
// go byte by byte as well. Header-only: the loops must inline at the call.
#pragma once
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string_view>

namespace strata::core::swar {

inline constexpr std::uint64_t kOnes = 0x0101010101010101ULL;
inline constexpr std::uint64_t kHighs = 0x8080808080808080ULL;

inline std::uint64_t load8(const char* p) {
  std::uint64_t w;
  std::memcpy(&w, p, 8);
  return w;
}

// Nonzero when some byte of `w` is below `n` (n <= 128). Exact as a yes/no.
inline constexpr std::uint64_t has_less(std::uint64_t w, unsigned n) {
  return (w - kOnes * n) & ~w & kHighs;
}

// Nonzero when some byte of `w` equals `c`.
inline constexpr std::uint64_t has_byte(std::uint64_t w, unsigned char c) {
  const std::uint64_t x = w ^ (kOnes * c);
  return (x - kOnes) & ~x & kHighs;
}

// Folds ASCII upper case in `w` to lower case; other bytes unchanged.
inline constexpr std::uint64_t lower8(std::uint64_t w) {
  const std::uint64_t low7 = w & ~kHighs;
  const std::uint64_t ge_a = low7 + kOnes * (0x80 - 'A');   // high bit: byte >= 'A'
  const std::uint64_t gt_z = low7 + kOnes * (0x7F - 'Z');   // high bit: byte > 'Z'
  const std::uint64_t upper = (ge_a ^ gt_z) & ~w & kHighs;  // ASCII and in 'A'..'Z'
  return w | (upper >> 2);
}

inline char lower(char c) { return (c >= 'A' && c <= 'Z') ? char(c + 32) : c; }

// Copies n bytes from `src` to `dst`, folding ASCII upper case.
inline void copy_lower(char* dst, const char* src, std::size_t n) {
  std::size_t i = 0;
  for (; i + 8 <= n; i += 8) {
    const std::uint64_t w = lower8(load8(src + i));
    std::memcpy(dst + i, &w, 8);
  }
  for (; i < n; ++i) dst[i] = lower(src[i]);
}

// True when `s` holds no CR, LF or NUL: safe to write into an HTTP/1.1 head.
inline bool no_line_breaks(std::string_view s) {
  const char* p = s.data();
  const std::size_t n = s.size();
  std::size_t i = 0;
  const auto bad = [](char c) { return c == '\r' || c == '\n' || c == '\0'; };
  for (; i + 8 <= n; i += 8) {
    if (has_less(load8(p + i), '\r' + 1)) {  // some byte <= CR: look closer
      for (std::size_t j = i; j < i + 8; ++j)
        if (bad(p[j])) return false;
    }
  }
  for (; i < n; ++i)
    if (bad(p[i])) return false;
  return true;
}

// Index of the first byte of `s` that is a control character other than
// HTAB, or DEL (the bytes RFC 9110 5.5 forbids in a field value), or
// s.size() when there is none. obs-text (0x80-0xFF) is allowed.
inline std::size_t first_non_field_char(std::string_view s) {
  const char* p = s.data();
  const std::size_t n = s.size();
  const auto bad = [](char c) {
    const auto u = static_cast<unsigned char>(c);
    return (u < 0x20 && u != '\t') || u == 0x7F;
  };
  std::size_t i = 0;
  for (; i + 8 <= n; i += 8) {
    const std::uint64_t w = load8(p + i);
    // Bytes >= 0x80 make has_less's borrow trick unreliable only for the
    // flag's position, never for the yes/no over ASCII bytes; mask them out.
    const std::uint64_t ascii = w & ~kHighs;
    const std::uint64_t flag = (has_less(ascii, 0x20) | has_byte(ascii, 0x7F)) & ~w;
    if (flag) {
      for (std::size_t j = i; j < i + 8; ++j)
        if (bad(p[j])) return j;
    }
  }
  for (; i < n; ++i)
    if (bad(p[i])) return i;
  return n;
}

}  // namespace strata::core::swar
