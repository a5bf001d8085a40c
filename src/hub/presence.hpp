// Who is subscribed to a channel, on its owner worker: client id -> user and
// info, with the client and distinct-user counts maintained as clients join
// and leave (never computed on request).
// Thread: the owner worker's.
#pragma once
#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>

#include "hub/hub.hpp"

namespace strata::hub {

class Presence {
 public:
  // False when `client` was already present (nothing changes).
  bool join(ClientId client, std::string_view user, std::string_view info);
  // False when `client` was not present.
  bool leave(ClientId client);

  std::uint64_t clients() const { return clients_.size(); }
  std::uint64_t users() const { return users_.size(); }  // distinct users ("" counts as one)
  PresenceResult snapshot() const;

 private:
  struct Entry {
    std::string user;
    std::string info;
  };
  std::unordered_map<ClientId, Entry> clients_;
  std::unordered_map<std::string, std::uint32_t> users_;  // user -> clients
};

}  // namespace strata::hub
