// permessage-deflate negotiation (RFC 7692 5, 7.1): parsing the client's
// Sec-WebSocket-Extensions offers, choosing the server's response under a
// policy, and (for the load tool) the client's offer and the check of the
// server's response. Pure functions, thread-safe.
//
// An offer with an unknown parameter, a duplicated parameter or a bad
// value is declined (skipped), as RFC 7692 5.1 asks; the next offer is
// tried. An offer of server_max_window_bits=8 is declined too: zlib cannot
// compress raw deflate with a 256-byte window.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace strata::codec::websocket {

// One permessage-deflate offer as the client sent it.
struct DeflateOffer {
  bool server_no_context_takeover = false;
  bool client_no_context_takeover = false;
  std::uint8_t server_max_window_bits = 0;   // 0 = absent
  bool client_max_window_bits = false;       // present (the client supports it)
  std::uint8_t client_max_window_bits_value = 0;  // 0 = present without a value
};

// The agreed parameters (what both ends use).
struct DeflateParams {
  bool server_no_context_takeover = false;
  bool client_no_context_takeover = false;
  std::uint8_t server_max_window_bits = 15;  // the server's compressor window
  std::uint8_t client_max_window_bits = 15;  // the client's compressor window (server inflates with it)
  bool operator==(const DeflateParams&) const = default;
};

// What the server is willing to do.
struct DeflatePolicy {
  bool enabled = false;
  // Always answer server_no_context_takeover: the server keeps no deflate
  // state per connection and can send shared pre-compressed frames.
  bool server_no_context_takeover = true;
  // Always answer client_no_context_takeover (allowed whether or not the
  // client offered it): the server's inflate state is freed per message.
  bool client_no_context_takeover = true;
  std::uint8_t server_max_window_bits = 15;  // 9..15: cap on our window
  std::uint8_t client_max_window_bits = 15;  // 8..15: asked of clients that offer the parameter
};

// The valid permessage-deflate offers in a Sec-WebSocket-Extensions value
// (several header fields joined with ", "), in order; other extensions and
// invalid offers are skipped.
std::vector<DeflateOffer> parse_deflate_offers(std::string_view extensions);

// Server: the parameters for the first acceptable offer, or nullopt
// (deflate off, nothing offered, nothing acceptable).
std::optional<DeflateParams> negotiate_deflate(std::string_view extensions, const DeflatePolicy& policy);

// The Sec-WebSocket-Extensions response value for agreed parameters, e.g.
// "permessage-deflate; server_no_context_takeover; client_no_context_takeover".
// Window bits are written only when below 15.
std::string deflate_response(const DeflateParams& p);

// Client: an offer asking for no context takeover on both sides and
// advertising client_max_window_bits.
std::string deflate_client_offer();
// Client: the agreed parameters in the server's response value, or
// nullopt when it is invalid (the client must then fail the connection).
// `value` holding no permessage-deflate at all is also nullopt.
std::optional<DeflateParams> parse_deflate_response(std::string_view value);

}  // namespace strata::codec::websocket
