// TLS and client-certificate authentication of the admin listener
// (admin.auth cert_file + key_file [+ client_ca_file], docs/security.md
// "The admin API"). admin_listener_tls() is the TLS section the
// synthesized admin listener uses (cert_file/key_file, TLS 1.2+); with a
// client_ca_file, require_client_certificate() then
// makes its server context demand a client certificate that verifies
// against client_ca_file: a missing or unverifiable certificate fails the
// handshake (no HTTP request is read). Verification failures count in
// strata_admin_auth_failures_total{reason="client_certificate"}.
// Thread: build time (Server::reload), any thread.
#pragma once
#include <string>

#include "config/config.hpp"

namespace boost::asio::ssl {
class context;
}

namespace strata::admin {

// The admin listener's Tls when `auth` has a cert_file; nullopt otherwise.
std::optional<config::Tls> admin_listener_tls(const config::AdminAuth& auth);

// Throws std::runtime_error naming the file when the CA bundle cannot be loaded.
void require_client_certificate(boost::asio::ssl::context& ctx, const std::string& ca_file);

}  // namespace strata::admin
