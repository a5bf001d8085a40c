// What the hub's transports need from token verification (JWT, written in
// hub/auth/ by its owner): one call, `verify(token)`. A connection token
// gives the user, presence info, server-side channels and expiry; a
// subscribe token (private namespaces) also names the one channel it opens.
// Implementations are immutable after construction and shared by every
// worker (verify() is const and thread-safe); a reload builds a new one.
#pragma once
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace strata::config {
struct HubConfig;
}

namespace strata::hub {

struct TokenInfo {
  enum class Status : std::uint8_t { ok, expired, bad };
  Status status = Status::bad;
  std::string user;                    // "sub"
  std::string info;                    // "info" claim as compact JSON, "" = none
  std::vector<std::string> channels;   // "channels" claim: server-side subscriptions
  std::string channel;                 // "channel" claim of a subscribe token, "" = none
  std::int64_t exp = 0;                // unix seconds, 0 = no "exp"
};

class TokenVerifier {
 public:
  virtual ~TokenVerifier() = default;
  virtual TokenInfo verify(std::string_view token) const = 0;
};

// Rejects every token (Status::bad): the hub without `hub.jwt`, where only
// anonymous clients connect.
std::shared_ptr<const TokenVerifier> make_anonymous_verifier();

}  // namespace strata::hub
