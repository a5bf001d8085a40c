#include "hub/presence.hpp"

namespace strata::hub {

bool Presence::join(ClientId client, std::string_view user, std::string_view info) {
  auto [it, added] = clients_.try_emplace(client, Entry{std::string(user), std::string(info)});
  if (!added) return false;
  ++users_[it->second.user];
  return true;
}

bool Presence::leave(ClientId client) {
  auto it = clients_.find(client);
  if (it == clients_.end()) return false;
  auto u = users_.find(it->second.user);
  if (u != users_.end() && --u->second == 0) users_.erase(u);
  clients_.erase(it);
  return true;
}

PresenceResult Presence::snapshot() const {
  PresenceResult r;
  r.clients.reserve(clients_.size());
  for (const auto& [id, e] : clients_) r.clients.push_back(PresenceEntry{id, e.user, e.info});
  r.num_clients = clients();
  r.num_users = users();
  return r;
}

}  // namespace strata::hub
