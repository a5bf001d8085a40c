// Client-side TLS for upstream connections.
#pragma once
#include <memory>
#include <string>
#include <vector>

#include <openssl/types.h>

namespace boost::asio::ssl {
class context;
}

namespace strata::io {

// A client context: TLS 1.2+, no renegotiation/compression, offering `alpn`
// (e.g. {"h2", "http/1.1"}; empty = no ALPN). With `verify`, peers are
// checked against the system trust store (the hostname per connection, see
// prepare_client_ssl); without, any certificate is accepted. Throws
// std::runtime_error on failure. Shareable across threads once built.
std::shared_ptr<boost::asio::ssl::context> make_client_tls_context(bool verify,
                                                                   std::vector<std::string> alpn);

// Per connection, before the handshake: sends SNI `sni` (skipped when empty
// or an IP literal) and, with `verify`, requires the certificate to match
// `sni` (DNS name, or IP address for an IP literal) and chain to a trusted
// root (with an empty `sni` only the chain is checked). Returns false if OpenSSL refused a setting.
bool prepare_client_ssl(SSL* ssl, const std::string& sni, bool verify);

}  // namespace strata::io
