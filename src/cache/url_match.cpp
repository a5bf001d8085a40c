#include "cache/url_match.hpp"

namespace strata::cache {

std::string_view url_target(std::string_view url) {
  const auto scheme_end = url.find("://");
  if (scheme_end == std::string_view::npos) return url;
  const auto slash = url.find('/', scheme_end + 3);
  if (slash == std::string_view::npos) return "/";
  return url.substr(slash);
}

bool url_matches_prefix(std::string_view url, std::string_view prefix) {
  if (!prefix.empty() && prefix.front() == '/') return url_target(url).starts_with(prefix);
  return url.starts_with(prefix);
}

}  // namespace strata::cache
