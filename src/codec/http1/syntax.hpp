// RFC 9110/9112 character classes and the field-line grammar shared by the
// request-head parser and the chunked-trailer parser. Header-only, no
// allocation; pure functions usable from any thread.
#pragma once
#include <array>
#include <cstdint>
#include <string_view>

#include "codec/http1/error.hpp"
#include "core/swar.hpp"
#include "http/ows.hpp"

namespace strata::codec::http1 {

namespace detail {
constexpr std::array<bool, 256> make_tchar() {
  std::array<bool, 256> t{};
  for (int c = '0'; c <= '9'; ++c) t[c] = true;
  for (int c = 'a'; c <= 'z'; ++c) t[c] = true;
  for (int c = 'A'; c <= 'Z'; ++c) t[c] = true;
  for (char c : std::string_view("!#$%&'*+-.^_`|~")) t[static_cast<unsigned char>(c)] = true;
  return t;
}
// Field-value bytes: HTAB, SP, VCHAR, obs-text. Everything else (NUL, CR,
// LF, other controls, DEL) is rejected.
constexpr std::array<bool, 256> make_field_char() {
  std::array<bool, 256> t{};
  t['\t'] = true;
  for (int c = 0x20; c <= 0x7e; ++c) t[c] = true;
  for (int c = 0x80; c <= 0xff; ++c) t[c] = true;
  return t;
}
inline constexpr std::array<bool, 256> kTchar = make_tchar();
inline constexpr std::array<bool, 256> kFieldChar = make_field_char();
}  // namespace detail

inline bool is_tchar(char c) { return detail::kTchar[static_cast<unsigned char>(c)]; }
inline bool is_field_char(char c) { return detail::kFieldChar[static_cast<unsigned char>(c)]; }
using ::strata::http::is_ows;

inline bool is_token(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s)
    if (!is_tchar(c)) return false;
  return true;
}

using ::strata::http::trim_ows;

// The errors of a field line whose name is not a token followed by a colon.
inline Error split_field_name_slow(std::string_view line, std::string_view& name) {
  const std::size_t colon = line.find(':');
  if (colon == std::string_view::npos || colon == 0) {
    for (char c : line)
      if (c == '\r') return Error::bare_cr;
    return Error::bad_header_name;
  }
  name = line.substr(0, colon);
  for (char c : name) {
    if (!is_tchar(c)) return c == '\r' ? Error::bare_cr : Error::bad_header_name;
  }
  return Error::none;
}

// Splits one field line (without its CRLF) into name and trimmed value.
// Rejects obs-fold (leading whitespace), a non-token or empty name (which
// includes whitespace before ':'), bare CR and control bytes in the value.
inline Error parse_field_line(std::string_view line, std::string_view& name,
                              std::string_view& value) {
  if (!line.empty() && is_ows(line.front())) return Error::obs_fold;
  // Fast path: the name's token characters up to the colon, one scan.
  std::size_t i = 0;
  while (i < line.size() && is_tchar(line[i])) ++i;
  if (i != 0 && i < line.size() && line[i] == ':') {
    name = line.substr(0, i);
  } else if (Error e = split_field_name_slow(line, name); e != Error::none) {
    return e;
  }
  const std::size_t colon = name.size();
  value = trim_ows(line.substr(colon + 1));
  if (const std::size_t bad = core::swar::first_non_field_char(value); bad != value.size())
    return value[bad] == '\r' ? Error::bare_cr : Error::bad_header_value;
  return Error::none;
}

// Calls f(element) for each trimmed element of a comma-separated list,
// skipping empty elements (RFC 9110 5.6.1). Stops early when f returns false.
template <class F>
inline void for_each_list_element(std::string_view v, F&& f) {
  while (!v.empty()) {
    std::size_t comma = v.find(',');
    std::string_view el = trim_ows(v.substr(0, comma));
    if (!el.empty() && !f(el)) return;
    if (comma == std::string_view::npos) break;
    v.remove_prefix(comma + 1);
  }
}

// Strict decimal for Content-Length: digits only, no sign, no overflow.
inline bool parse_decimal(std::string_view s, std::uint64_t& out) {
  if (s.empty() || s.size() > 19) return false;
  std::uint64_t n = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
    n = n * 10 + std::uint64_t(c - '0');
  }
  out = n;
  return true;
}

}  // namespace strata::codec::http1
