// Secrets in the configuration are never shown: /config (config/json.cpp)
// and log lines print kRedacted in their place (docs/security.md, "The
// admin API"). Paths of key and secret files are not secrets and are shown.
// Pure functions, any thread.
#pragma once
#include <string_view>

#include "config/security.hpp"

namespace strata::config {

// What /config shows instead of a secret value (token, password, API key).
inline constexpr std::string_view kRedacted = "<redacted>";

// True for header names whose configured values are credentials, so that
// route header edits (request_headers.add) and header matches (exact,
// prefix) on them are redacted: authorization, proxy-authorization,
// cookie, and any name containing "token", "secret", "password",
// "api-key", "apikey" or "api_key". `name` is lower-case (as the loader
// stores header names).
inline bool secret_header(std::string_view name) {
  if (name == "authorization" || name == "proxy-authorization" || name == "cookie") return true;
  for (std::string_view w : {"token", "secret", "password", "api-key", "apikey", "api_key"})
    if (name.find(w) != std::string_view::npos) return true;
  return false;
}

// True for a limit/rule key part whose value is a client's credential: a
// cookie, or a header secret_header() names. Keys holding such a part are
// shown in logs and admin listings as a hash, never as the value.
inline bool secret_key_part(const KeyPart& p) {
  return p.kind == "cookie" || (p.kind == "header" && secret_header(p.name));
}

}  // namespace strata::config
