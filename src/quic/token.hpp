// Address-validation tokens (RFC 9000 §8.1): Retry tokens and NEW_TOKEN
// ("regular") tokens, wrapping ngtcp2_crypto_{generate,verify}_{retry,regular}_token.
//
// Tokens are AEAD-sealed (AES-128-GCM, key derived per token from the secret
// and 32 random bytes) and carry their creation time; a token older than the
// lifetime passed to verify_* is rejected. Timestamps come from the injected
// core::Clock (nanoseconds since its epoch), so tokens are valid only within
// one process (the secret is per process anyway).
//
// What is bound to the client address (ngtcp2 0.12.1):
//  - Retry tokens bind the WHOLE sockaddr: family, IP address AND PORT (and
//    the IPv6 scope id). A client whose port changes between the Retry and its
//    next Initial (NAT rebinding within one RTT) fails validation. We
//    normalise the sockaddr first (zero sin_zero / sin6_flowinfo) so that only
//    those fields count.
//  - Regular tokens bind the IP address only (not the port, not the
//    family-specific extras), so they survive NAT port rebinding between
//    connections. An IPv4 address and its IPv4-mapped IPv6 form differ.
//  - ngtcp2 0.12.1 forgets to advance past the version in the Retry token's
//    AAD (the sockaddr overwrites it), so it does not bind the QUIC version.
//    TokenIssuer binds it itself by keying retry tokens with secret||version.
//
// Addresses must be AF_INET or AF_INET6 (ngtcp2 aborts on other families; we
// refuse them: make_* returns empty, verify_* fails).
// Thread: const methods are safe to call concurrently (no mutable state).
#pragma once
#include <ngtcp2/ngtcp2.h>
#include <sys/socket.h>

#include <chrono>
#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include "core/clock.hpp"

namespace strata::quic {

class TokenIssuer {
 public:
  /// `secret` is copied (typically Secrets::process().token). The clock must
  /// outlive the issuer.
  TokenIssuer(std::span<const std::uint8_t> secret, const core::Clock& clock);

  /// Token for a Retry packet sent to `remote`: seals `odcid` (DCID of the
  /// client's first Initial) bound to `retry_scid` (the SCID of our Retry,
  /// which the client uses as DCID next). Empty on failure / bad address.
  std::vector<std::uint8_t> make_retry(std::uint32_t version, const sockaddr* remote,
                                       socklen_t len, const ngtcp2_cid& retry_scid,
                                       const ngtcp2_cid& odcid) const;

  /// On success returns the original DCID. `dcid` = DCID of the client's
  /// Initial carrying the token. nullopt when malformed, forged, tampered,
  /// for another address/port/version/dcid, or older than `lifetime`.
  std::optional<ngtcp2_cid> verify_retry(std::span<const std::uint8_t> token,
                                         std::uint32_t version, const sockaddr* remote,
                                         socklen_t len, const ngtcp2_cid& dcid,
                                         std::chrono::nanoseconds lifetime) const;

  /// Token for a NEW_TOKEN frame to `remote` (bound to its IP address only).
  /// Empty on failure / bad address.
  std::vector<std::uint8_t> make_regular(const sockaddr* remote, socklen_t len) const;

  /// True when `token` was made by make_regular for the same IP address and
  /// is younger than `lifetime`.
  bool verify_regular(std::span<const std::uint8_t> token, const sockaddr* remote,
                      socklen_t len, std::chrono::nanoseconds lifetime) const;

  enum class Kind { none, retry, regular, unknown };
  /// By magic byte (NGTCP2_CRYPTO_TOKEN_MAGIC_*): empty -> none; says nothing
  /// about validity.
  static Kind classify(std::span<const std::uint8_t> token);

 private:
  std::uint64_t now_ts() const;

  std::vector<std::uint8_t> secret_;
  const core::Clock& clock_;
};

}  // namespace strata::quic
