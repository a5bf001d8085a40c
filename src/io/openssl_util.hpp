// Small OpenSSL helpers for io/: owning pointers and error-queue text.
// Internal to io/ (TLS context, client, self-signed certificates).
#pragma once
#include <memory>
#include <string>

#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

namespace strata::io::ossl {

template <auto Fn>
struct Deleter {
  template <class T>
  void operator()(T* p) const { Fn(p); }
};

using X509Ptr = std::unique_ptr<X509, Deleter<X509_free>>;
using PkeyPtr = std::unique_ptr<EVP_PKEY, Deleter<EVP_PKEY_free>>;
using BioPtr = std::unique_ptr<BIO, Deleter<BIO_free_all>>;
using ExtPtr = std::unique_ptr<X509_EXTENSION, Deleter<X509_EXTENSION_free>>;

// Drains the thread's OpenSSL error queue into "reason; reason" ("" if empty).
std::string drain_errors();

// pem_password_cb that refuses: encrypted keys fail instead of prompting.
int no_passphrase(char* buf, int size, int rwflag, void* u);

// Reads a PEM certificate (the first of a chain) / private key; null on error.
X509Ptr read_cert_pem(const std::string& file);
PkeyPtr read_key_pem(const std::string& file);

}  // namespace strata::io::ossl
