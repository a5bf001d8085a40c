#include "quic/secrets.hpp"

#include <ngtcp2/ngtcp2.h>
#include <ngtcp2/ngtcp2_crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include <stdexcept>
#include <string_view>

namespace strata::quic {

static_assert(kStatelessResetTokenLen == NGTCP2_STATELESS_RESET_TOKENLEN);

namespace {

Secrets generate() {
  Secrets s;
  if (RAND_bytes(s.reset.data(), static_cast<int>(s.reset.size())) != 1 ||
      RAND_bytes(s.token.data(), static_cast<int>(s.token.size())) != 1) {
    throw std::runtime_error("quic: CSPRNG failed generating process secrets");
  }
  return s;
}

void derive(std::array<std::uint8_t, 32>& out, std::string_view label,
            std::span<const std::uint8_t> seed) {
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  unsigned len = 0;
  const bool ok = ctx != nullptr && EVP_DigestInit_ex(ctx, EVP_sha256(), nullptr) == 1 &&
                  EVP_DigestUpdate(ctx, label.data(), label.size()) == 1 &&
                  EVP_DigestUpdate(ctx, seed.data(), seed.size()) == 1 &&
                  EVP_DigestFinal_ex(ctx, out.data(), &len) == 1 && len == out.size();
  EVP_MD_CTX_free(ctx);
  if (!ok) throw std::runtime_error("quic: SHA-256 failed deriving test secrets");
}

}  // namespace

const Secrets& Secrets::process() {
  static const Secrets s = generate();
  return s;
}

Secrets Secrets::from_seed(std::span<const std::uint8_t> seed) {
  Secrets s;
  derive(s.reset, "strata quic reset", seed);
  derive(s.token, "strata quic token", seed);
  return s;
}

bool stateless_reset_token(std::uint8_t* out, const Secrets& secrets,
                           std::span<const std::uint8_t> cid) {
  if (cid.size() > NGTCP2_MAX_CIDLEN) return false;
  ngtcp2_cid c;
  ngtcp2_cid_init(&c, cid.data(), cid.size());
  return ngtcp2_crypto_generate_stateless_reset_token(out, secrets.reset.data(),
                                                      secrets.reset.size(), &c) == 0;
}

}  // namespace strata::quic
