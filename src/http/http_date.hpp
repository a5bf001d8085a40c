// HTTP-date (RFC 9110 5.6.7) formatting and parsing, IMF-fixdate only
// ("Sun, 06 Nov 1994 08:49:37 GMT"). Pure functions, thread-safe.
#pragma once
#include <ctime>
#include <optional>
#include <string>
#include <string_view>

namespace strata::http {

std::string format_http_date(std::time_t t);
// nullopt for anything that is not a valid IMF-fixdate.
std::optional<std::time_t> parse_http_date(std::string_view s);
// Also the obsolete forms every recipient must accept (RFC 9110 5.6.7):
// RFC 850 ("Sunday, 06-Nov-94 08:49:37 GMT") and asctime
// ("Sun Nov  6 08:49:37 1994"). Used by the cache.
std::optional<std::time_t> parse_http_date_any(std::string_view s);

}  // namespace strata::http
