#include "hub/channel_name.hpp"

#include "config/hub.hpp"

namespace strata::hub {

bool ChannelName::allows(std::string_view user) const {
  if (users.empty()) return true;
  if (user.empty()) return false;
  std::string_view rest = users;
  while (!rest.empty()) {
    auto comma = rest.find(',');
    if (rest.substr(0, comma) == user) return true;
    if (comma == std::string_view::npos) break;
    rest.remove_prefix(comma + 1);
  }
  return false;
}

const config::HubNamespace* find_namespace(const config::HubConfig& cfg, std::string_view ns) {
  for (const auto& n : cfg.namespaces)
    if (n.name == ns) return &n;
  if (ns.empty()) {
    static const config::HubNamespace defaults{};
    return &defaults;
  }
  return nullptr;
}

Error parse_channel(std::string_view channel, const config::HubConfig& cfg, ChannelName& out,
                    const config::HubNamespace** ns_out) {
  if (channel.empty() || channel.size() > cfg.max_channel_length) return Error::unknown_channel;
  for (unsigned char ch : channel)
    if (ch < 0x21 || ch > 0x7e || ch == '"' || ch == '\\') return Error::unknown_channel;
  out = ChannelName{};
  auto colon = channel.find(':');
  if (colon != std::string_view::npos) {
    if (colon == 0) return Error::unknown_channel;
    out.ns = channel.substr(0, colon);
  }
  auto hash = channel.rfind('#');
  if (hash != std::string_view::npos) {
    out.users = channel.substr(hash + 1);
    if (out.users.empty()) return Error::unknown_channel;
  }
  const config::HubNamespace* ns = find_namespace(cfg, out.ns);
  if (!ns) return Error::unknown_channel;
  if (ns_out) *ns_out = ns;
  return Error::none;
}

}  // namespace strata::hub
