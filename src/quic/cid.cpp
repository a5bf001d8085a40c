#include "quic/cid.hpp"

#include <openssl/rand.h>

namespace strata::quic {

bool make_server_cid(std::uint8_t* out, unsigned worker) {
  if (worker >= kMaxCidWorkers) return false;
  out[0] = static_cast<std::uint8_t>(worker);
  return RAND_bytes(out + 1, static_cast<int>(kServerCidLen - 1)) == 1;
}

std::optional<unsigned> cid_owner(std::span<const std::uint8_t> dcid, unsigned workers) {
  if (dcid.size() != kServerCidLen) return std::nullopt;
  if (dcid[0] >= workers) return std::nullopt;
  return dcid[0];
}

}  // namespace strata::quic
