#include "core/units.hpp"

#include <array>

namespace strata::core {
namespace {

struct Number {
  std::uint64_t whole = 0;
  std::uint64_t frac = 0;       // fractional digits as an integer
  std::uint64_t frac_scale = 1;  // 10^digits
};

bool set_error(std::string* error, std::string msg) {
  if (error) *error = std::move(msg);
  return false;
}

// Reads [0-9]+(\.[0-9]+)? from the front of s. Limits digits so nothing overflows.
bool read_number(std::string_view& s, Number& n, std::string* error) {
  std::size_t i = 0;
  int digits = 0;
  while (i < s.size() && s[i] >= '0' && s[i] <= '9') {
    const auto digit = static_cast<std::uint64_t>(s[i] - '0');
    if (n.whole > (UINT64_MAX - digit) / 10) return set_error(error, "number too large");
    n.whole = n.whole * 10 + digit;
    ++digits;
    ++i;
  }
  if (digits == 0) return set_error(error, "expected a number");
  if (i < s.size() && s[i] == '.') {
    ++i;
    int fdigits = 0;
    while (i < s.size() && s[i] >= '0' && s[i] <= '9') {
      if (++fdigits > 9) return set_error(error, "too many decimal places");
      n.frac = n.frac * 10 + static_cast<std::uint64_t>(s[i] - '0');
      n.frac_scale *= 10;
      ++i;
    }
    if (fdigits == 0) return set_error(error, "expected digits after '.'");
  }
  s.remove_prefix(i);
  return true;
}

// n * mult exactly, or false when it overflows or is not whole.
bool scale(const Number& n, std::uint64_t mult, std::uint64_t& out) {
  unsigned __int128 w = static_cast<unsigned __int128>(n.whole) * mult;
  unsigned __int128 f = static_cast<unsigned __int128>(n.frac) * mult;
  if (f % n.frac_scale != 0) return false;
  unsigned __int128 total = w + f / n.frac_scale;
  if (total > UINT64_MAX) return false;
  out = static_cast<std::uint64_t>(total);
  return true;
}

std::string quoted(std::string_view s) { return "'" + std::string(s) + "'"; }

}  // namespace

std::optional<std::chrono::milliseconds> parse_duration(std::string_view text, std::string* error) {
  const std::string_view orig = text;
  if (text == "0") return std::chrono::milliseconds(0);
  if (text.empty()) {
    set_error(error, "empty duration");
    return std::nullopt;
  }
  std::uint64_t total = 0;
  while (!text.empty()) {
    Number n;
    std::string e;
    if (!read_number(text, n, &e)) {
      set_error(error, "invalid duration " + quoted(orig) + ": " + e);
      return std::nullopt;
    }
    std::uint64_t mult = 0;
    if (text.starts_with("ms")) {
      mult = 1;
      text.remove_prefix(2);
    } else if (text.starts_with("s")) {
      mult = 1000;
      text.remove_prefix(1);
    } else if (text.starts_with("m")) {
      mult = 60'000;
      text.remove_prefix(1);
    } else if (text.starts_with("h")) {
      mult = 3'600'000;
      text.remove_prefix(1);
    } else {
      set_error(error, "invalid duration " + quoted(orig) +
                           ": expected a unit (ms, s, m, h) after the number, e.g. '10s'");
      return std::nullopt;
    }
    std::uint64_t part = 0;
    if (!scale(n, mult, part)) {
      set_error(error, "invalid duration " + quoted(orig) +
                           ": must be a whole number of milliseconds and not too large");
      return std::nullopt;
    }
    // Keep well inside the signed 64-bit range of std::chrono::milliseconds.
    constexpr std::uint64_t kMax = static_cast<std::uint64_t>(INT64_MAX) / 2;
    if (part > kMax || total > kMax - part) {
      set_error(error, "invalid duration " + quoted(orig) + ": too large");
      return std::nullopt;
    }
    total += part;
  }
  return std::chrono::milliseconds(static_cast<std::int64_t>(total));
}

std::optional<std::uint64_t> parse_size(std::string_view text, std::string* error) {
  const std::string_view orig = text;
  Number n;
  std::string e;
  if (!read_number(text, n, &e)) {
    set_error(error, "invalid size " + quoted(orig) + ": " + e);
    return std::nullopt;
  }
  struct Unit {
    std::string_view name;
    std::uint64_t mult;
  };
  static constexpr std::array<Unit, 8> kUnits{{{"", 1},
                                               {"B", 1},
                                               {"KB", 1000},
                                               {"MB", 1000 * 1000},
                                               {"GB", 1000 * 1000 * 1000},
                                               {"KiB", 1024},
                                               {"MiB", 1024 * 1024},
                                               {"GiB", 1024 * 1024 * 1024}}};
  for (const auto& u : kUnits) {
    if (text != u.name) continue;
    std::uint64_t out = 0;
    if (!scale(n, u.mult, out)) {
      set_error(error, "invalid size " + quoted(orig) +
                           ": must be a whole number of bytes and not too large");
      return std::nullopt;
    }
    return out;
  }
  set_error(error, "invalid size " + quoted(orig) +
                       ": unknown unit (use B, KB, MB, GB, KiB, MiB or GiB)");
  return std::nullopt;
}

std::string format_duration(std::chrono::milliseconds d) {
  const auto ms = d.count();
  if (ms == 0) return "0s";
  if (ms < 0) return std::to_string(ms) + "ms";  // not produced by the parser
  if (ms % 3'600'000 == 0) return std::to_string(ms / 3'600'000) + "h";
  if (ms % 60'000 == 0) return std::to_string(ms / 60'000) + "m";
  if (ms % 1000 == 0) return std::to_string(ms / 1000) + "s";
  return std::to_string(ms) + "ms";
}

std::string format_size(std::uint64_t bytes) {
  if (bytes == 0) return "0";
  static constexpr std::array<std::pair<std::uint64_t, const char*>, 6> kUnits{{
      {1024ull * 1024 * 1024, "GiB"},
      {1000ull * 1000 * 1000, "GB"},
      {1024ull * 1024, "MiB"},
      {1000ull * 1000, "MB"},
      {1024ull, "KiB"},
      {1000ull, "KB"},
  }};
  for (const auto& [mult, name] : kUnits)
    if (bytes % mult == 0) return std::to_string(bytes / mult) + name;
  return std::to_string(bytes);
}

}  // namespace strata::core
