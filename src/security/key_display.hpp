// How a rule or limit key is shown to people (log lines, the penalties
// admin listing; docs/security.md "Secrets"). A key built from a client's
// credential (a cookie part, or a header part naming a credential header:
// config::secret_key_part) is shown as "sha256:" + the first 16 hex digits
// of its SHA-256, never as the value; any other key is shown with bytes
// outside printable ASCII escaped as \xNN and cut at kMaxShownKeyBytes, so
// a client cannot forge log lines or flood them through its key. Pure
// functions; thread-safe.
#pragma once
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "config/security.hpp"

namespace strata::security {

inline constexpr std::size_t kMaxShownKeyBytes = 256;

// True when any part of `parts` is a credential.
bool secret_key(const std::vector<config::KeyPart>& parts);

// The key as shown (see above).
std::string shown_key(std::string_view key, bool secret);

// Whether `given` (an admin request's key) names `key`: the key itself, or
// for a secret key also its shown hash.
bool names_key(std::string_view key, std::string_view given, bool secret);

}  // namespace strata::security
