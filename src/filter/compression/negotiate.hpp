// Content-coding negotiation (RFC 9110 12.5.3) for the compression filter.
// Pure functions; thread-safe.
#pragma once
#include <optional>
#include <span>
#include <string_view>

#include "filter/compression/encoder.hpp"

namespace strata::filter::compression {

// Picks the coding for a response from the request's Accept-Encoding value
// (all fields joined with ", "), among `preference` (the server's order).
//
// Each coding gets its listed q-value, else that of "*", else 0 (not
// acceptable); "x-gzip" counts as gzip. The highest q wins, ties go to the
// earlier entry of `preference`; q=0 never wins. When "identity" is listed
// explicitly with a higher q than the best coding, nothing is chosen (the
// client prefers the plain body). Elements with a malformed q are ignored;
// repeated codings keep their first q. nullopt: send the body as it is.
std::optional<Encoding> negotiate(std::string_view accept_encoding,
                                  std::span<const Encoding> preference);

// A q-value ("1", "0.5", "0.125", "1.000") in thousandths; nullopt when
// malformed (RFC 9110 12.4.2).
std::optional<int> parse_qvalue(std::string_view s);

}  // namespace strata::filter::compression
