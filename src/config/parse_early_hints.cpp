// A route's `early_hints:` (config/delivery.hpp, docs/delivery.md):
//   early_hints:
//     links: ["</app.css>; rel=preload; as=style", "<https://cdn.example>; rel=preconnect"]
//     relay: true              # relay an upstream's 103 (default true)
//     remember: false          # learn preload/preconnect links from final responses
//     remember_max_urls: 10000 # bound of the per-route table (1 .. 1,000,000)
// A plain sequence is shorthand for `links:`.
#include <fmt/format.h>

#include "config/parse.hpp"

namespace strata::config::detail {

namespace {

// One Link field value: "<uri-reference>" then optional parameters; no
// CR, LF or NUL (header_value), no unbalanced '<'.
std::string link_value(const Doc& d, const Val& v) {
  std::string s = header_value(d, v, "links");
  const auto close = s.find('>');
  if (s.empty() || s.front() != '<' || close == std::string::npos || close == 1)
    d.fail(v.loc, fmt::format("links: '{}' is not a Link field value (expected \"<uri>; rel=...\")", s));
  return s;
}

std::vector<std::string> links(const Doc& d, const Val& v) {
  std::vector<std::string> out;
  for (const auto& x : as_seq(d, v, "links")) out.push_back(link_value(d, x));
  return out;
}

}  // namespace

EarlyHints parse_early_hints(const Doc& d, const Val& v) {
  EarlyHints e;
  if (v.node.IsSequence()) {
    e.links = links(d, v);
    return e;
  }
  MapReader m(d, v, "early_hints", {"links", "relay", "remember", "remember_max_urls"});
  if (auto l = m.get("links")) e.links = links(d, *l);
  opt_bool(m, "relay", e.relay);
  opt_bool(m, "remember", e.remember);
  opt_uint(m, "remember_max_urls", e.remember_max_urls, 1, 1'000'000);
  return e;
}

}  // namespace strata::config::detail
