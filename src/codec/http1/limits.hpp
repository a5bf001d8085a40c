// The bounds an HTTP/1.x parser enforces, as a plain struct so codec/http1
// does not depend on config/ (fuzzers and tools build it from nothing).
// Defaults match config::Limits. Any struct with the same four fields
// (config::Limits) converts implicitly, so a driver can hand its config
// limits over unchanged.
#pragma once
#include <cstdint>

namespace strata::codec::http1 {

struct Limits {
  std::uint32_t max_request_line = 8 * 1024;   // request line / status line / chunk-size line
  std::uint32_t max_header_bytes = 32 * 1024;  // a head's field section, trailers, chunk extensions
  std::uint32_t max_headers = 100;             // fields in a head or trailer section
  std::uint64_t max_body = 64ull * 1024 * 1024;  // decoded body bytes

  Limits() = default;
  template <class L>
    requires requires(const L& l) {
      l.max_request_line; l.max_header_bytes; l.max_headers; l.max_body;
    }
  Limits(const L& l)  // NOLINT(google-explicit-constructor): see above
      : max_request_line(l.max_request_line),
        max_header_bytes(l.max_header_bytes),
        max_headers(l.max_headers),
        max_body(l.max_body) {}
};

}  // namespace strata::codec::http1
