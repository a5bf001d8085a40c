// Range request header parsing (RFC 9110 14.1-14.2), single byte range.
#pragma once
#include <cstdint>
#include <string_view>

namespace strata::http {

struct ByteRange {
  enum class Kind {
    none,           // no usable Range: serve the whole representation (200)
    single,         // serve [first, last] (206)
    unsatisfiable,  // 416 with "Content-Range: bytes */size"
  } kind = Kind::none;
  std::uint64_t first = 0;
  std::uint64_t last = 0;  // inclusive
  std::uint64_t length() const { return last - first + 1; }
};

// `header` is the Range value; `size` the representation length. Invalid
// syntax, other units and multiple ranges yield Kind::none (the whole file
// is served, which RFC 9110 allows).
ByteRange parse_byte_range(std::string_view header, std::uint64_t size);

}  // namespace strata::http
