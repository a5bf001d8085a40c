// Channel names: "ns:name" (namespace "ns") or "name" (the default
// namespace ""), with an optional per-user suffix "#u1,u2": only the users
// listed after the last '#' may subscribe ("news#42": user 42 only).
// Syntax: 1..hub.max_channel_length bytes of printable ASCII (0x21..0x7e)
// except '"' and '\\' (so names never need escaping in JSON, SSE or URLs'
// decoded form); a namespace part, when present, must be non-empty; a '#'
// suffix must list at least one user.
// Thread: pure functions.
#pragma once
#include <string_view>

#include "hub/codes.hpp"

namespace strata::config {
struct HubConfig;
struct HubNamespace;
}

namespace strata::hub {

struct ChannelName {
  std::string_view ns;             // "" = default namespace
  std::string_view users;          // after the last '#', "" = not a per-user channel
  bool per_user() const { return !users.empty(); }
  // True when `user` is in the '#' list (always true without one; never
  // for the anonymous user "" on a per-user channel).
  bool allows(std::string_view user) const;
};

// Parses `channel` against the limits of `cfg`: Error::none, or
// Error::unknown_channel for a bad name or a namespace not in the config.
// `ns_out` (optional) receives the namespace options (valid as long as cfg).
Error parse_channel(std::string_view channel, const config::HubConfig& cfg, ChannelName& out,
                    const config::HubNamespace** ns_out = nullptr);

// The options of namespace `ns`, or null when it is not configured. The
// default namespace "" always resolves (to defaults when the config lacks it).
const config::HubNamespace* find_namespace(const config::HubConfig& cfg, std::string_view ns);

}  // namespace strata::hub
