// Process-wide QUIC secrets: the static key for stateless reset tokens and
// the key material for address-validation (Retry / NEW_TOKEN) tokens.
//
// Secrets::process() is generated once from the CSPRNG on first use
// (thread-safe static init) and never changes for the life of the process, so
// tokens and reset tokens stay valid across config reloads but not across
// restarts. Tests use Secrets::from_seed() for deterministic values.
#pragma once
#include <array>
#include <cstddef>
#include <cstdint>
#include <span>

namespace strata::quic {

/// NGTCP2_STATELESS_RESET_TOKENLEN (checked in secrets.cpp).
inline constexpr std::size_t kStatelessResetTokenLen = 16;

struct Secrets {
  std::array<std::uint8_t, 32> reset{};  ///< static key for stateless reset tokens
  std::array<std::uint8_t, 32> token{};  ///< key material for Retry/regular tokens

  /// The process secrets: random once (OpenSSL RAND_bytes), thread-safe.
  /// Throws std::runtime_error if the CSPRNG fails (the next call retries).
  static const Secrets& process();

  /// Deterministic secrets derived from `seed` (SHA-256 with distinct labels),
  /// for tests. Different seeds give different secrets.
  static Secrets from_seed(std::span<const std::uint8_t> seed);
};

/// Writes the stateless reset token for `cid` (kStatelessResetTokenLen bytes)
/// via ngtcp2_crypto_generate_stateless_reset_token keyed by secrets.reset.
/// Returns false when cid is longer than NGTCP2_MAX_CIDLEN or HKDF fails.
bool stateless_reset_token(std::uint8_t* out, const Secrets& secrets,
                           std::span<const std::uint8_t> cid);

}  // namespace strata::quic
