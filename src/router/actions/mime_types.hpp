// Content-Type by file extension for the files action. Thread-safe.
#pragma once
#include <string_view>

namespace strata::router {

// Case-insensitive on the extension of `path`; "application/octet-stream"
// when unknown. Text types carry "; charset=utf-8".
std::string_view mime_type_for(std::string_view path);

}  // namespace strata::router
