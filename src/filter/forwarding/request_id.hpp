// X-Request-Id: keep a sane incoming id, otherwise generate one (UUIDv4
// text). Pure functions; randomness comes from the caller's generator.
#pragma once
#include <span>
#include <string>
#include <string_view>

#include "core/fast_rng.hpp"
#include "http/headers.hpp"

namespace strata::filter::forwarding {

// 1..128 characters of [A-Za-z0-9._:-].
bool valid_request_id(std::string_view v);
// Random UUID version 4, lower-case ("xxxxxxxx-xxxx-4xxx-yxxx-xxxxxxxxxxxx").
std::string new_request_id(core::FastRng& rng);
// The same, written into `out` (no allocation).
void write_request_id(core::FastRng& rng, std::span<char, 36> out);
// Ensures h has exactly one valid x-request-id; returns it.
std::string ensure_request_id(http::Headers& h, core::FastRng& rng);

}  // namespace strata::filter::forwarding
