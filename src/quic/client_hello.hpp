// Just enough of a TLS 1.3 ClientHello (RFC 8446 4.1.2) to find the first
// pre-shared-key identity, i.e. the session ticket a resuming client
// presents. The 0-RTT replay guard keys on it: a ticket must not carry the
// same early-data request twice. Pure; input is hostile (fuzzed).
#pragma once
#include <string_view>

namespace strata::quic {

// The first PSK identity in `hello` (a ClientHello handshake message, with
// or without its 4-byte handshake header), or "" when there is none or the
// message is malformed.
std::string_view psk_identity(std::string_view hello);

}  // namespace strata::quic
