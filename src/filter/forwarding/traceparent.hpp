// W3C Trace Context (traceparent / tracestate) propagation for a proxy hop.
// Pure functions; randomness comes from the caller's generator.
#pragma once
#include <random>
#include <string>
#include <string_view>

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
std::string propagate_traceparent(http::Headers& h, std::mt19937_64& rng);

// `n` random lower-case hex digits, never all zero.
std::string random_hex(std::size_t n, std::mt19937_64& rng);

}  // namespace strata::filter::forwarding
