// Cache-Control (RFC 9111 5.2) parsed into the directives the edge cache
// acts on, for requests and responses alike. Pure; thread-safe.
#pragma once
#include <cstdint>
#include <optional>
#include <string_view>

#include "http/headers.hpp"

namespace strata::cache {

struct CacheControl {
  // Delta-seconds directives; nullopt when absent. A malformed value makes
  // the directive count as present with 0 (the strictest reading).
  std::optional<std::int64_t> max_age, s_maxage, max_stale, min_fresh;
  std::optional<std::int64_t> stale_while_revalidate, stale_if_error;  // RFC 5861
  bool max_stale_any = false;  // "max-stale" without a value
  bool no_cache = false;       // also a qualified no-cache="field" (treated as unqualified)
  bool no_store = false;
  bool no_transform = false;
  bool only_if_cached = false;
  bool must_revalidate = false;
  bool proxy_revalidate = false;
  bool must_understand = false;
  bool is_public = false;
  bool is_private = false;     // also private="field" (the response is then not stored)
  bool immutable = false;
};

// Every Cache-Control field line of `h`, directives case-insensitive.
// Unknown directives are ignored. When a directive repeats, the first wins.
CacheControl parse_cache_control(const http::Headers& h);
CacheControl parse_cache_control(std::string_view value);

// True when `h` has "Pragma: no-cache" and no Cache-Control (RFC 9111 5.4).
bool pragma_no_cache(const http::Headers& h);

}  // namespace strata::cache
