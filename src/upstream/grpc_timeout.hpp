// The gRPC "grpc-timeout" request header (gRPC over HTTP/2 spec):
// 1-8 ASCII digits followed by a unit, H (hours), M (minutes), S (seconds),
// m (milliseconds), u (microseconds) or n (nanoseconds). Rounded up to whole
// milliseconds (at least 1 ms for a non-zero value). nullopt when malformed.
#pragma once
#include <chrono>
#include <optional>
#include <string_view>

namespace strata::upstream {

inline std::optional<std::chrono::milliseconds> parse_grpc_timeout(std::string_view v) {
  if (v.size() < 2 || v.size() > 9) return std::nullopt;
  long long n = 0;
  for (char c : v.substr(0, v.size() - 1)) {
    if (c < '0' || c > '9') return std::nullopt;
    n = n * 10 + (c - '0');
  }
  const auto up = [](long long x, long long per_ms) { return (x + per_ms - 1) / per_ms; };
  long long ms = 0;
  switch (v.back()) {
    case 'H': ms = n * 3'600'000; break;
    case 'M': ms = n * 60'000; break;
    case 'S': ms = n * 1000; break;
    case 'm': ms = n; break;
    case 'u': ms = up(n, 1000); break;
    case 'n': ms = up(n, 1'000'000); break;
    default: return std::nullopt;
  }
  return std::chrono::milliseconds(ms);
}

}  // namespace strata::upstream
