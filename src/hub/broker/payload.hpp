// The pub/sub payload of a hub channel (binary-safe: data is taken as the
// rest of the message, never scanned):
//   publication  "p<offset>:<epoch>:<published_us>:<data>"   (built by publish.lua)
//   join         "j<client>:<userlen>:<user><info>"
//   leave        "l<client>:<userlen>:<user>"
// Epochs are alphanumeric (and '~'), so ':' ends them.
// Thread: pure functions.
#pragma once
#include <cstdint>
#include <string>
#include <string_view>

#include "hub/broker/broker.hpp"

namespace strata::hub::broker {

struct Message {
  enum class Kind : std::uint8_t { publication, join, leave };
  Kind kind = Kind::publication;
  Pub pub;                 // publication
  ClientId client = 0;     // join / leave
  std::string user;
  std::string info;        // join
};

std::string encode_publication(const Pub& p);
std::string encode_join(ClientId client, std::string_view user, std::string_view info);
std::string encode_leave(ClientId client, std::string_view user);
// False when `payload` is not a well-formed message.
bool decode(std::string_view payload, Message& out);

// The presence hash value "<userlen>:<user><info>" and back.
std::string encode_member(std::string_view user, std::string_view info);
bool decode_member(std::string_view v, std::string& user, std::string& info);

}  // namespace strata::hub::broker
