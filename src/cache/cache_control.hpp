// Cache-Control (RFC 9111 5.2) parsed into the directives the edge cache
// acts on, for requests and responses alike. Pure; thread-safe.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "http/headers.hpp"

namespace strata::cache {

struct CacheControl {
  // Delta-seconds directives; nullopt when absent. A malformed value makes
  // the directive count as present with 0 (the strictest reading).
  std::optional<std::int64_t> max_age, s_maxage, max_stale, min_fresh;
  std::optional<std::int64_t> stale_while_revalidate, stale_if_error;  // RFC 5861
  bool max_stale_any = false;  // "max-stale" without a value
  bool no_cache = false;       // unqualified no-cache
  bool no_store = false;
  bool no_transform = false;
  bool only_if_cached = false;
  bool must_revalidate = false;
  bool proxy_revalidate = false;
  bool must_understand = false;
  bool is_public = false;
  bool is_private = false;     // unqualified private
  // Field names of a qualified no-cache="a, b" or private="c" (lower
  // case): the response may be stored without them (RFC 9111 5.2.2.4,
  // 5.2.2.7).
  std::vector<std::string> omit_fields;
  bool immutable = false;
};

// Every Cache-Control field line of `h`, directives case-insensitive.
// Unknown directives are ignored, and so are directives with whitespace
// around '=' ("max-age = 5" is not RFC 9110 syntax). When a directive
// repeats, the first wins.
CacheControl parse_cache_control(const http::Headers& h);
CacheControl parse_cache_control(std::string_view value);
// Adds the directives of one more Cache-Control line to `cc`.
void add_cache_control(CacheControl& cc, std::string_view value);

// A response's directives for this cache: Cache-Control, then, when the
// response has Surrogate-Control (W3C Edge Architecture; targeted
// directives "d;target" are taken whatever the target), its no-store and
// max-age replace Cache-Control's storage and freshness directives
// (no-store, private, s-maxage, max-age): the origin speaks to the
// surrogate directly.
CacheControl response_cache_control(const http::Headers& h);


}  // namespace strata::cache
