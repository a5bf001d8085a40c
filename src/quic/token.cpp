#include "quic/token.hpp"

#include <netinet/in.h>
#include <ngtcp2/ngtcp2_crypto.h>

#include <cstring>

namespace strata::quic {

namespace {

/// A sockaddr reduced to the fields that identify a client (family, address,
/// port, IPv6 scope id), everything else zeroed: ngtcp2 seals the raw bytes
/// of the sockaddr into Retry tokens, so padding and flow labels must not count.
struct NormalAddr {
  sockaddr_storage ss{};
  socklen_t len = 0;
  const ngtcp2_sockaddr* sa() const { return reinterpret_cast<const ngtcp2_sockaddr*>(&ss); }
};

std::optional<NormalAddr> normalise(const sockaddr* sa, socklen_t len) {
  if (sa == nullptr) return std::nullopt;
  NormalAddr n;
  if (sa->sa_family == AF_INET && len >= static_cast<socklen_t>(sizeof(sockaddr_in))) {
    sockaddr_in in;
    std::memcpy(&in, sa, sizeof in);
    sockaddr_in out{};
    out.sin_family = AF_INET;
    out.sin_port = in.sin_port;
    out.sin_addr = in.sin_addr;
    std::memcpy(&n.ss, &out, sizeof out);
    n.len = sizeof out;
    return n;
  }
  if (sa->sa_family == AF_INET6 && len >= static_cast<socklen_t>(sizeof(sockaddr_in6))) {
    sockaddr_in6 in;
    std::memcpy(&in, sa, sizeof in);
    sockaddr_in6 out{};
    out.sin6_family = AF_INET6;
    out.sin6_port = in.sin6_port;
    out.sin6_addr = in.sin6_addr;
    out.sin6_scope_id = in.sin6_scope_id;
    std::memcpy(&n.ss, &out, sizeof out);
    n.len = sizeof out;
    return n;
  }
  return std::nullopt;
}

/// Retry tokens are keyed by secret || version (big endian): ngtcp2 0.12.1
/// does not bind the version itself (see token.hpp).
std::vector<std::uint8_t> retry_key(const std::vector<std::uint8_t>& secret,
                                    std::uint32_t version) {
  std::vector<std::uint8_t> k(secret);
  for (int shift = 24; shift >= 0; shift -= 8) {
    k.push_back(static_cast<std::uint8_t>(version >> shift));
  }
  return k;
}

ngtcp2_duration to_duration(std::chrono::nanoseconds d) {
  return d.count() <= 0 ? 0 : static_cast<ngtcp2_duration>(d.count());
}

}  // namespace

TokenIssuer::TokenIssuer(std::span<const std::uint8_t> secret, const core::Clock& clock)
    : secret_(secret.begin(), secret.end()), clock_(clock) {}

std::uint64_t TokenIssuer::now_ts() const {
  const auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(
                      clock_.now().time_since_epoch())
                      .count();
  return ns <= 0 ? 0 : static_cast<std::uint64_t>(ns);
}

std::vector<std::uint8_t> TokenIssuer::make_retry(std::uint32_t version, const sockaddr* remote,
                                                  socklen_t len, const ngtcp2_cid& retry_scid,
                                                  const ngtcp2_cid& odcid) const {
  const auto addr = normalise(remote, len);
  // ngtcp2 asserts 0 or NGTCP2_MIN_CIDLEN..NGTCP2_MAX_CIDLEN on the sealed odcid when
  // verifying, so refuse to seal anything else.
  const bool odcid_ok = odcid.datalen == 0 ||
                        (odcid.datalen >= NGTCP2_MIN_CIDLEN && odcid.datalen <= NGTCP2_MAX_CIDLEN);
  if (!addr || retry_scid.datalen > NGTCP2_MAX_CIDLEN || !odcid_ok) return {};
  const auto key = retry_key(secret_, version);
  std::vector<std::uint8_t> out(NGTCP2_CRYPTO_MAX_RETRY_TOKENLEN);
  const ngtcp2_ssize n = ngtcp2_crypto_generate_retry_token(
      out.data(), key.data(), key.size(), version, addr->sa(), addr->len, &retry_scid, &odcid,
      now_ts());
  if (n < 0) return {};
  out.resize(static_cast<std::size_t>(n));
  return out;
}

std::optional<ngtcp2_cid> TokenIssuer::verify_retry(std::span<const std::uint8_t> token,
                                                    std::uint32_t version,
                                                    const sockaddr* remote, socklen_t len,
                                                    const ngtcp2_cid& dcid,
                                                    std::chrono::nanoseconds lifetime) const {
  const auto addr = normalise(remote, len);
  if (!addr || dcid.datalen > NGTCP2_MAX_CIDLEN) return std::nullopt;
  // ngtcp2 checks the exact length and magic before touching the bytes.
  const auto key = retry_key(secret_, version);
  ngtcp2_cid odcid;
  if (ngtcp2_crypto_verify_retry_token(&odcid, token.data(), token.size(), key.data(),
                                       key.size(), version, addr->sa(), addr->len, &dcid,
                                       to_duration(lifetime), now_ts()) != 0) {
    return std::nullopt;
  }
  return odcid;
}

std::vector<std::uint8_t> TokenIssuer::make_regular(const sockaddr* remote,
                                                    socklen_t len) const {
  const auto addr = normalise(remote, len);
  if (!addr) return {};
  std::vector<std::uint8_t> out(NGTCP2_CRYPTO_MAX_REGULAR_TOKENLEN);
  const ngtcp2_ssize n = ngtcp2_crypto_generate_regular_token(
      out.data(), secret_.data(), secret_.size(), addr->sa(), addr->len, now_ts());
  if (n < 0) return {};
  out.resize(static_cast<std::size_t>(n));
  return out;
}

bool TokenIssuer::verify_regular(std::span<const std::uint8_t> token, const sockaddr* remote,
                                 socklen_t len, std::chrono::nanoseconds lifetime) const {
  const auto addr = normalise(remote, len);
  if (!addr) return false;
  return ngtcp2_crypto_verify_regular_token(token.data(), token.size(), secret_.data(),
                                            secret_.size(), addr->sa(), addr->len,
                                            to_duration(lifetime), now_ts()) == 0;
}

TokenIssuer::Kind TokenIssuer::classify(std::span<const std::uint8_t> token) {
  if (token.empty()) return Kind::none;
  switch (token[0]) {
    case NGTCP2_CRYPTO_TOKEN_MAGIC_RETRY: return Kind::retry;
    case NGTCP2_CRYPTO_TOKEN_MAGIC_REGULAR: return Kind::regular;
    default: return Kind::unknown;
  }
}

}  // namespace strata::quic
