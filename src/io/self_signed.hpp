// Self-signed certificates for `tls.self_signed` (and for tests): an ECDSA
// P-256 key and a certificate valid for `validity`, written as PEM.
#pragma once
#include <chrono>
#include <string>
#include <vector>

namespace strata::io {

struct CertSpec {
  std::string common_name = "localhost";
  std::vector<std::string> dns_names = {"localhost"};
  std::vector<std::string> ip_addresses = {"127.0.0.1", "::1"};
  std::chrono::seconds validity = std::chrono::hours(24 * 365);
};

// Generates a key + self-signed certificate and writes them (key mode 0600,
// certificate 0644) via a temporary file + rename. Throws std::runtime_error.
void write_self_signed(const CertSpec& spec, const std::string& cert_file,
                       const std::string& key_file);

struct SelfSigned {
  std::string cert_file;    // <state_dir>/self-signed.crt
  std::string key_file;     // <state_dir>/self-signed.key
  std::string spki_sha256;  // base64 SHA-256 of the SPKI (Chromium's
                            // --ignore-certificate-errors-spki-list)
  bool generated = false;   // false: reused from an earlier run
};

// Returns the self-signed certificate in `state_dir`, generating it (CN and
// SAN localhost, 127.0.0.1, ::1; valid 365 days) when missing, unreadable,
// not matching its key, expired or expiring within a day; reused otherwise.
// Creates `state_dir` (mode 0700) if needed. Idempotent; serialized within
// the process. Throws std::runtime_error naming the path on failure.
SelfSigned ensure_self_signed(const std::string& state_dir);

// Base64 SHA-256 of the certificate's SubjectPublicKeyInfo (first
// certificate of a PEM file). Throws std::runtime_error naming the file.
std::string spki_sha256_base64(const std::string& cert_file);

}  // namespace strata::io
