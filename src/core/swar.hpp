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

// The n bytes at p (0 < n < 8) in one word without reading past them: with
// n >= 4 two overlapping 4-byte loads fill every lane with bytes of the
// string; below that the lanes left over hold `pad`'s bytes. A test that
// pad passes sees only what the string holds.
inline std::uint64_t load_short(const char* p, std::size_t n, std::uint64_t pad) {
  if (n >= 4) {
    std::uint32_t a, b;
    std::memcpy(&a, p, 4);
    std::memcpy(&b, p + n - 4, 4);
    return std::uint64_t(a) | std::uint64_t(b) << 32;
  }
  if (n >= 2) {
    std::uint16_t a, b;
    std::memcpy(&a, p, 2);
    std::memcpy(&b, p + n - 2, 2);
    return (pad << 32) | std::uint64_t(b) << 16 | a;
  }
  return (pad << 8) | static_cast<unsigned char>(p[0]);
}

inline constexpr std::uint64_t kPadLetters = kOnes * 'a';

// Calls word(w) for each 8-byte step of [p, p + n) and once for the rest (a
// last word that overlaps the one before when n >= 8, else load_short with
// a pad of 'a' bytes); stops at the first call that returns true and
// returns true.
template <class F>
inline bool any_word(const char* p, std::size_t n, F&& word) {
  if (n < 8) return n != 0 && word(load_short(p, n, kPadLetters));
  std::size_t i = 0;
  for (; i + 8 <= n; i += 8)
    if (word(load8(p + i))) return true;
  return i != n && word(load8(p + n - 8));
}

// Copies n bytes from `src` to `dst`, folding ASCII upper case.
inline void copy_lower(char* dst, const char* src, std::size_t n) {
  if (n >= 8) {
    std::size_t i = 0;
    for (; i + 8 <= n; i += 8) {
      const std::uint64_t w = lower8(load8(src + i));
      std::memcpy(dst + i, &w, 8);
    }
    if (i != n) {  // the last word again, overlapping: same bytes, same result
      const std::uint64_t w = lower8(load8(src + n - 8));
      std::memcpy(dst + n - 8, &w, 8);
    }
    return;
  }
  if (n >= 4) {
    const std::uint64_t w = lower8(load_short(src, n, 0));
    const auto a = std::uint32_t(w), b = std::uint32_t(w >> 32);
    std::memcpy(dst, &a, 4);
    std::memcpy(dst + n - 4, &b, 4);
    return;
  }
  for (std::size_t i = 0; i < n; ++i) dst[i] = lower(src[i]);
}

// ASCII case-insensitive equality of n bytes.
inline bool iequals_n(const char* a, const char* b, std::size_t n) {
  if (n < 8) return n == 0 || lower8(load_short(a, n, 0)) == lower8(load_short(b, n, 0));
  std::size_t i = 0;
  for (; i + 8 <= n; i += 8)
    if (lower8(load8(a + i)) != lower8(load8(b + i))) return false;
  return i == n || lower8(load8(a + n - 8)) == lower8(load8(b + n - 8));
}

// True when `s` holds no CR, LF or NUL: safe to write into an HTTP/1.1 head.
// True when some byte of `w` is CR, LF or NUL. has_less(w, CR + 1), one
// test for any byte <= CR, lets most words through with no more.
inline bool has_line_break(std::uint64_t w) {
  return has_less(w, '\r' + 1) && (has_byte(w, '\r') || has_byte(w, '\n') || has_byte(w, 0));
}

inline bool no_line_breaks(std::string_view s) {
  return !any_word(s.data(), s.size(), has_line_break);
}

// Copies n bytes from `src` to `dst` and tells whether they hold no CR, LF
// or NUL: the check of no_line_breaks() made on the words being copied, so
// a field that is copied anyway is not read twice. On false the bytes at
// dst are unspecified (the caller drops what it wrote).
inline bool copy_no_line_breaks(char* dst, const char* src, std::size_t n) {
  if (n < 8) {
    if (n != 0 && has_line_break(load_short(src, n, kPadLetters))) return false;
    std::memcpy(dst, src, n);
    return true;
  }
  std::size_t i = 0;
  for (; i + 8 <= n; i += 8) {
    const std::uint64_t w = load8(src + i);
    if (has_line_break(w)) return false;
    std::memcpy(dst + i, &w, 8);
  }
  if (i != n) {  // the last word again, overlapping: same bytes
    const std::uint64_t w = load8(src + n - 8);
    if (has_line_break(w)) return false;
    std::memcpy(dst + n - 8, &w, 8);
  }
  return true;
}

// Nonzero when some byte of `w` may be a control character other than
// HTAB, or DEL: never misses one; HTAB and lanes above a flagged one can
// give false alarms, which the caller settles byte by byte.
inline std::uint64_t maybe_non_field_char(std::uint64_t w) {
  // With the high bits masked off a byte >= 0x80 could read as a control or
  // DEL; `& ~w` drops those lanes. A real bad byte's lane is always set:
  // a borrow from the lane below only moves it further below 0x20.
  const std::uint64_t ascii = w & ~kHighs;
  return (has_less(ascii, 0x20) | has_byte(ascii, 0x7F)) & ~w;
}

// Index of the first byte of `s` that is a control character other than
// HTAB, or DEL (the bytes RFC 9110 5.5 forbids in a field value), or
// s.size() when there is none. obs-text (0x80-0xFF) is allowed.
inline std::size_t first_non_field_char(std::string_view s) {
  const char* p = s.data();
  const std::size_t n = s.size();
  if (!any_word(p, n, [](std::uint64_t w) { return maybe_non_field_char(w) != 0; })) return n;
  for (std::size_t i = 0; i < n; ++i) {
    const auto u = static_cast<unsigned char>(p[i]);
    if ((u < 0x20 && u != '\t') || u == 0x7F) return i;
  }
  return n;
}

}  // namespace strata::core::swar
