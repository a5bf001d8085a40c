// The client certificate of a server-side TLS connection (mTLS,
// docs/security.md "Client certificates").
// Thread: call on the connection's worker (reads the SSL object).
#pragma once
#include <string>

typedef struct ssl_st SSL;

namespace strata::io {

struct PeerCertificate {
  bool presented = false;  // the client sent a certificate
  bool verified = false;   // ... and it verified against the listener's CA bundle
  std::string subject;     // RFC 2253 ("CN=alice,O=Example"); "" when none
  std::string san;         // "DNS:a.example, email:x@y, IP:10.0.0.1, URI:..." ("" when none)
};

// Why a server handshake failed, as far as client certificates go.
enum class PeerCertFailure { none, missing, invalid };

PeerCertificate peer_certificate_of(SSL* ssl);

class Transport;
// The client certificate of a server-side TLS transport; empty for plain
// TCP (implemented in transport.cpp).
PeerCertificate peer_certificate(const Transport& t);

// After a failed server handshake on `ssl`: missing (mode required, no
// certificate sent), invalid (the certificate did not verify) or none
// (some other reason). `err` is the handshake's OpenSSL error code.
PeerCertFailure peer_cert_failure_of(SSL* ssl, unsigned long err);

}  // namespace strata::io
