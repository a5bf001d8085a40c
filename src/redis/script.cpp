// Script: its SHA-1 (OpenSSL EVP) computed once (redis/script.hpp).
#include "redis/script.hpp"

#include <openssl/evp.h>

#include <stdexcept>

namespace strata::redis {

Script::Script(std::string src) : source(std::move(src)) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned len = 0;
  if (EVP_Digest(source.data(), source.size(), md, &len, EVP_sha1(), nullptr) != 1)
    throw std::runtime_error("redis script: SHA-1 failed");
  static constexpr char kHex[] = "0123456789abcdef";
  sha1.reserve(len * 2);
  for (unsigned i = 0; i < len; ++i) {
    sha1.push_back(kHex[md[i] >> 4]);
    sha1.push_back(kHex[md[i] & 15]);
  }
}

}  // namespace strata::redis
