// base64url decoding (RFC 4648 5, no padding required) for HTTP2-Settings
// (RFC 7540 3.2.1). Pure function.
#pragma once
#include <optional>
#include <string>
#include <string_view>

namespace strata::codec::http1 {

// Decodes `in`; trailing '=' padding is accepted. nullopt on any invalid
// character or impossible length.
std::optional<std::string> base64url_decode(std::string_view in);

}  // namespace strata::codec::http1
