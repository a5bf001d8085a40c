// Endpoint text form (redis/connection.hpp).
#include <charconv>

#include "redis/connection.hpp"

namespace strata::redis {

std::string Endpoint::to_string() const {
  if (host.find(':') != std::string::npos) return "[" + host + "]:" + std::to_string(port);
  return host + ":" + std::to_string(port);
}

bool parse_endpoint(std::string_view s, Endpoint& out) {
  std::string_view host, port;
  if (!s.empty() && s.front() == '[') {
    auto close = s.find(']');
    if (close == std::string_view::npos || close + 1 >= s.size() || s[close + 1] != ':') return false;
    host = s.substr(1, close - 1);
    port = s.substr(close + 2);
    if (host.find(':') == std::string_view::npos) return false;
  } else {
    auto colon = s.rfind(':');
    if (colon == std::string_view::npos) return false;
    host = s.substr(0, colon);
    port = s.substr(colon + 1);
    if (host.find(':') != std::string_view::npos) return false;  // v6 needs brackets
  }
  if (host.empty() || port.empty()) return false;
  for (char c : host)
    if (c == ' ' || c == '/' || c == '[' || c == ']') return false;
  unsigned v = 0;
  auto [p, ec] = std::from_chars(port.data(), port.data() + port.size(), v);
  if (ec != std::errc() || p != port.data() + port.size() || v == 0 || v > 65535) return false;
  out.host = std::string(host);
  out.port = static_cast<std::uint16_t>(v);
  return true;
}

}  // namespace strata::redis
