// Parking a hibernated TLS connection away from its transport: an idle
// HTTP/1.1 keep-alive connection over TLS becomes an fd record
// (conn/http1_parked.hpp) holding only its socket's fd and its SSL object,
// as a plaintext one holds only its fd. The SSL keeps the session (keys,
// sequence numbers); the next readability builds a hibernated transport
// around both, which builds its stream on the first read.
// ParkedTls owns the SSL (SSL_free when dropped) and keeps it counted in
// strata_tls_hibernating_connections.
// Thread: the owning worker's.
#pragma once
#include <memory>

#include <boost/asio/ip/tcp.hpp>

#include "io/transport.hpp"

namespace strata::io {

using ParkedTls = std::unique_ptr<void, void (*)(void*)>;

// The SSL of `t` when it is a hibernated TLS transport (its socket stays
// in `t`, which then holds no SSL); null otherwise.
ParkedTls take_hibernated_tls(Transport& t);
// Gives a taken SSL back to `t` (a park that did not happen).
void return_hibernated_tls(Transport& t, ParkedTls ssl);
// A hibernated TLS transport over `s` and a parked SSL.
std::unique_ptr<Transport> make_hibernated_tls_transport(boost::asio::ip::tcp::socket s, ParkedTls ssl);

}  // namespace strata::io
