// Human-friendly units for durations and sizes, as written in config files.
//
// Durations: one or more <number><unit> terms, unit in ms, s, m, h
// ("250ms", "10s", "1.5s", "1h30m"); the bare number "0" is allowed; any
// other bare number is an error (the unit is required). The result must be
// a whole number of milliseconds and fit in 64 bits.
//
// Sizes: <number>[unit], unit in B, KB, MB, GB (powers of 1000) or KiB, MiB,
// GiB (powers of 1024); a bare number is bytes ("512"). Fractions are
// allowed when the result is a whole number of bytes ("1.5KiB" = 1536).
//
// Pure functions, no allocation beyond the error string; thread-safe.
#pragma once
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace strata::core {

// Returns nullopt and sets *error (when non-null) on bad input.
std::optional<std::chrono::milliseconds> parse_duration(std::string_view text,
                                                        std::string* error = nullptr);
std::optional<std::uint64_t> parse_size(std::string_view text, std::string* error = nullptr);

// Shortest exact spelling that parse_duration/parse_size read back:
// 90000ms -> "90s", 3600000ms -> "1h", 0 -> "0s"; 1048576 -> "1MiB", 1000 -> "1KB", 7 -> "7".
std::string format_duration(std::chrono::milliseconds d);
std::string format_size(std::uint64_t bytes);

}  // namespace strata::core
