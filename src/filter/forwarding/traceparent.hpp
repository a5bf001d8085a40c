// W3C Trace Context (traceparent / tracestate) propagation for a proxy hop.
// Pure functions; randomness comes from the caller's generator.
#pragma once
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "core/fast_rng.hpp"
#include "http/headers.hpp"

namespace strata::filter::forwarding {

// True for a well-formed traceparent: version (2 hex, not "ff"), 32-hex
// trace id not all zero, 16-hex parent id not all zero, 2-hex flags, all
// lower-case; version "00" must be exactly 55 chars, later versions may
// carry more fields after a '-'.
bool valid_traceparent(std::string_view v);

// Sets the traceparent for the next hop: a valid incoming one keeps its
// trace id and flags with a new random parent (span) id, and tracestate is
// kept; otherwise a new trace id is generated (flags "00") and any
// tracestate is dropped. Returns the new traceparent value.
std::string propagate_traceparent(http::Headers& h, core::FastRng& rng);

// The traceparent for the next hop from the incoming value (same rules as
// propagate_traceparent), written into `out` without allocating. Returns
// true when `incoming` was valid (its tracestate may be kept).
bool next_traceparent(std::optional<std::string_view> incoming, core::FastRng& rng,
                      std::span<char, 55> out);

// `n` random lower-case hex digits, never all zero.
std::string random_hex(std::size_t n, core::FastRng& rng);
// The same into `out` (never all zero).
void fill_random_hex(std::span<char> out, core::FastRng& rng);

}  // namespace strata::filter::forwarding
