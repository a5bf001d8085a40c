// Optional whitespace (RFC 9110 5.6.3: SP / HTAB) around field values and
// list elements; shared by the HTTP/1 codec, WebSocket and the filters.
#pragma once
#include <string_view>

namespace strata::http {

inline bool is_ows(char c) { return c == ' ' || c == '\t'; }

inline std::string_view trim_ows(std::string_view s) {
  while (!s.empty() && is_ows(s.front())) s.remove_prefix(1);
  while (!s.empty() && is_ows(s.back())) s.remove_suffix(1);
  return s;
}

}  // namespace strata::http
