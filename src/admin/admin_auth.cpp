#include "admin/admin_auth.hpp"

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include <array>
#include <fstream>
#include <stdexcept>

#include "obs/metrics.hpp"

namespace strata::admin {

namespace {

using Digest = std::array<unsigned char, 32>;

Digest sha256(std::string_view s) {
  Digest d{};
  unsigned len = 0;
  if (EVP_Digest(s.data(), s.size(), d.data(), &len, EVP_sha256(), nullptr) != 1 || len != d.size())
    throw std::runtime_error("admin auth: SHA-256 failed");
  return d;
}

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    char x = a[i], y = b[i];
    if (x >= 'A' && x <= 'Z') x = char(x - 'A' + 'a');
    if (y >= 'A' && y <= 'Z') y = char(y - 'A' + 'a');
    if (x != y) return false;
  }
  return true;
}

}  // namespace

std::string read_admin_token(const config::AdminAuth& auth) {
  if (!auth.token.empty() || auth.token_file.empty()) return auth.token;
  std::ifstream in(auth.token_file, std::ios::binary);
  if (!in) throw std::runtime_error("admin.auth.token_file: cannot read '" + auth.token_file + "'");
  std::string line;
  std::getline(in, line);
  while (!line.empty() && (line.back() == '\r' || line.back() == '\n' || line.back() == ' ' ||
                           line.back() == '\t'))
    line.pop_back();
  if (line.empty()) throw std::runtime_error("admin.auth.token_file: '" + auth.token_file + "' holds no token");
  return line;
}

AuthResult check_bearer(std::string_view authorization, bool present, std::string_view token) {
  if (token.empty()) return AuthResult::ok;
  if (!present) return AuthResult::missing;
  std::string_view v = authorization;
  while (!v.empty() && (v.front() == ' ' || v.front() == '\t')) v.remove_prefix(1);
  const auto sp = v.find_first_of(" \t");
  if (sp == std::string_view::npos || !iequals(v.substr(0, sp), "bearer")) return AuthResult::wrong;
  v.remove_prefix(sp);
  while (!v.empty() && (v.front() == ' ' || v.front() == '\t')) v.remove_prefix(1);
  while (!v.empty() && (v.back() == ' ' || v.back() == '\t')) v.remove_suffix(1);
  const Digest got = sha256(v), want = sha256(token);
  return CRYPTO_memcmp(got.data(), want.data(), got.size()) == 0 ? AuthResult::ok : AuthResult::wrong;
}

void count_auth_failure(std::string_view reason) {
  obs::counter("strata_admin_auth_failures_total", "Admin requests refused for missing or wrong credentials",
               {{"reason", std::string(reason)}})
      .inc();
}

}  // namespace strata::admin
