// Moved to http/http_date.hpp (the edge cache uses it too); these names
// stay for the file server.
#pragma once
#include "http/http_date.hpp"

namespace strata::router {
using http::format_http_date;
using http::parse_http_date;
}  // namespace strata::router
