#include "upstream/tunnel/websocket.hpp"

#include <openssl/evp.h>
#include <openssl/rand.h>
#include <openssl/sha.h>

namespace strata::upstream::tunnel {

namespace {
std::string base64(const unsigned char* p, int n) {
  std::string out(std::size_t(4 * ((n + 2) / 3)) + 1, '\0');
  const int len = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()), p, n);
  out.resize(std::size_t(len));
  return out;
}
}  // namespace

std::string websocket_key() {
  unsigned char raw[16];
  if (RAND_bytes(raw, sizeof raw) != 1) {
    // RAND_bytes only fails without entropy; the key is a nonce, not a secret.
    for (auto& b : raw) b = static_cast<unsigned char>(std::rand());
  }
  return base64(raw, sizeof raw);
}

std::string websocket_accept(std::string_view key) {
  std::string in(key);
  in += "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";
  unsigned char digest[SHA_DIGEST_LENGTH];
  SHA1(reinterpret_cast<const unsigned char*>(in.data()), in.size(), digest);
  return base64(digest, SHA_DIGEST_LENGTH);
}

}  // namespace strata::upstream::tunnel
