#include "security/key_display.hpp"

#include <openssl/evp.h>

#include <algorithm>

#include "config/redact.hpp"

namespace strata::security {

bool secret_key(const std::vector<config::KeyPart>& parts) {
  return std::any_of(parts.begin(), parts.end(), [](const auto& p) { return config::secret_key_part(p); });
}

namespace {
constexpr char kHex[] = "0123456789abcdef";

std::string hashed(std::string_view key) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int n = 0;
  std::string out = "sha256:";
  if (EVP_Digest(key.data(), key.size(), md, &n, EVP_sha256(), nullptr) != 1) return out + "?";
  for (unsigned int i = 0; i < 8 && i < n; ++i) {
    out += kHex[md[i] >> 4];
    out += kHex[md[i] & 15];
  }
  return out;
}
}  // namespace

std::string shown_key(std::string_view key, bool secret) {
  if (secret) return hashed(key);
  std::string out;
  out.reserve(std::min(key.size(), kMaxShownKeyBytes) + 8);
  std::size_t i = 0;
  for (; i < key.size() && out.size() < kMaxShownKeyBytes; ++i) {
    const auto c = static_cast<unsigned char>(key[i]);
    if (c >= 0x20 && c < 0x7f && c != '\\') {
      out += char(c);
    } else {
      out += "\\x";
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  if (i < key.size()) out += "...(" + std::to_string(key.size()) + " bytes)";
  return out;
}

bool names_key(std::string_view key, std::string_view given, bool secret) {
  return key == given || (secret && given.starts_with("sha256:") && hashed(key) == given);
}

}  // namespace strata::security
