// Moved to http/byte_range.hpp (the edge cache uses it too); these names
// stay for the file server.
#pragma once
#include "http/byte_range.hpp"

namespace strata::router {
using http::ByteRange;
using http::parse_byte_range;
}  // namespace strata::router
