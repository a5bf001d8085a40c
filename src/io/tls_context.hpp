// Server-side TLS contexts for TCP listeners (OpenSSL 3 via Boost.Asio ssl).
//
// make_server_tls_context() builds one SSL_CTX per configured certificate,
// all with the same settings; the first is the returned context and the
// default. A servername callback picks the certificate for the client's SNI
// (see SniTable: exact names and "*.suffix" wildcards, case-insensitive;
// a certificate with no server_names serves the DNS names of its SAN, or its
// CN when it has no SAN DNS names) and swaps the connection to that SSL_CTX.
// ALPN: server preference order among `alpn` (e.g. {"h2", "http/1.1"}); no
// overlap -> no ALPN (the connection is HTTP/1.1). Versions "1.2"/"1.3",
// TLS 1.2 ciphers, TLS 1.3 ciphersuites and groups come from config::Tls;
// without `ciphers`, TLS 1.2 uses ECDHE + AEAD ciphers only, and the
// server's cipher order always wins. Client certificates (mTLS):
// tls.client_certificates (optional: asked, verified when sent; required:
// no handshake without a verified one; io/peer_cert.hpp reads the result).
// OCSP stapling: tls.ocsp_file (DER, checked and read here, i.e. on every
// start and reload) is stapled for the default certificate.
// Resumption uses stateless session tickets only (server session cache off)
// encrypted with a TicketKeyRing; tickets off -> no resumption at all.
// Renegotiation and compression are off.
//
// Thread: build on any thread; the returned context may be shared by every
// worker thread (all callbacks only read immutable state, the ring locks).
// Keep the shared_ptr alive while handshakes run on it (connections that
// finished their handshake do not need it).
#pragma once
#include <memory>
#include <string>
#include <vector>

namespace boost::asio::ssl {
class context;
}
namespace strata::config {
struct Tls;
}

namespace strata::io {

class TicketKeyRing;

// Throws std::runtime_error with a clear message (naming the file) on bad
// certificates/keys/CA bundle/OCSP response, an unknown version, or an
// invalid cipher/group list.
// With no certificates and `tls.self_signed`, uses ensure_self_signed(state_dir).
// `ring` null -> TicketKeyRing::process_wide(tls.ticket_key_rotation).
std::shared_ptr<boost::asio::ssl::context> make_server_tls_context(
    const config::Tls& tls, const std::vector<std::string>& alpn, const std::string& state_dir,
    std::shared_ptr<TicketKeyRing> ring = nullptr);

// ALPN wire format (length-prefixed) of `protos`; entries that are empty or
// longer than 255 bytes are skipped.
std::string alpn_wire(const std::vector<std::string>& protos);

}  // namespace strata::io
