#include "io/openssl_util.hpp"

#include <openssl/err.h>
#include <openssl/pem.h>

namespace strata::io::ossl {

int no_passphrase(char*, int, int, void*) { return 0; }

std::string drain_errors() {
  std::string out;
  unsigned long e;
  char buf[256];
  int guard = 0;
  while ((e = ERR_get_error()) != 0 && guard++ < 32) {
    ERR_error_string_n(e, buf, sizeof buf);
    if (!out.empty()) out += "; ";
    out += buf;
  }
  ERR_clear_error();
  return out;
}

X509Ptr read_cert_pem(const std::string& file) {
  BioPtr b(BIO_new_file(file.c_str(), "r"));
  if (!b) return nullptr;
  return X509Ptr(PEM_read_bio_X509(b.get(), nullptr, nullptr, nullptr));
}

PkeyPtr read_key_pem(const std::string& file) {
  BioPtr b(BIO_new_file(file.c_str(), "r"));
  if (!b) return nullptr;
  return PkeyPtr(PEM_read_bio_PrivateKey(b.get(), nullptr, no_passphrase, nullptr));
}

}  // namespace strata::io::ossl
