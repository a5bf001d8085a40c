// Per-route delivery hints: 103 Early Hints (RFC 8297) and the default
// response priority (RFC 9218). Plain data; docs/config.md.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace strata::config {

// Route `early_hints:`. Sent as a 103 before the final response on HTTP/1.1
// (never to HTTP/1.0), HTTP/2 and HTTP/3.
struct EarlyHints {
  // Link field values sent in a 103 before the action runs, e.g.
  // "</app.css>; rel=preload; as=style".
  std::vector<std::string> links;
  // Relay 103 responses an upstream sends (their Link fields).
  bool relay = true;
  // Remember the preload/preconnect Link fields of a final response per URL
  // and send them as a 103 on later requests for that URL (bounded table).
  bool remember = false;
  std::uint32_t remember_max_urls = 10'000;
  bool enabled() const { return !links.empty() || relay || remember; }
  bool operator==(const EarlyHints&) const = default;
};

// Route `priority:` (RFC 9218): the default urgency (0 highest .. 7) and
// incremental flag of the route's responses, used when the request carries
// no `priority` field; PRIORITY_UPDATE frames and the request field win.
// YAML: `priority: high|normal|low|background` (urgency 1, 3, 5, 7) or a
// mapping {urgency: N, incremental: bool}.
struct RoutePriority {
  std::uint8_t urgency = 3;
  bool incremental = false;
  bool operator==(const RoutePriority&) const = default;
};

}  // namespace strata::config
