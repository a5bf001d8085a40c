#include "admin/admin_tls.hpp"

#include <openssl/ssl.h>
#include <openssl/x509_vfy.h>

#include <stdexcept>

#include <boost/asio/ssl/context.hpp>

#include "admin/admin_auth.hpp"

namespace strata::admin {

namespace {

int count_failures(int preverify_ok, X509_STORE_CTX*) {
  if (!preverify_ok) count_auth_failure("client_certificate");
  return preverify_ok;
}

}  // namespace

std::optional<config::Tls> admin_listener_tls(const config::AdminAuth& auth) {
  if (auth.cert_file.empty()) return std::nullopt;
  config::Tls t;
  t.certificates.push_back({auth.cert_file, auth.key_file, {}});
  t.session_tickets = false;  // no resumption: every connection presents its certificate
  return t;
}

void require_client_certificate(boost::asio::ssl::context& ctx, const std::string& ca_file) {
  SSL_CTX* c = ctx.native_handle();
  if (SSL_CTX_load_verify_locations(c, ca_file.c_str(), nullptr) != 1)
    throw std::runtime_error("admin.auth.client_ca_file: cannot load CA certificates from '" + ca_file + "'");
  // The CA names sent in the CertificateRequest (clients pick a matching cert).
  if (STACK_OF(X509_NAME)* names = SSL_load_client_CA_file(ca_file.c_str())) SSL_CTX_set_client_CA_list(c, names);
  SSL_CTX_set_verify(c, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, count_failures);
  // Required by OpenSSL with verification on, should sessions ever be cached.
  SSL_CTX_set_session_id_context(c, reinterpret_cast<const unsigned char*>("strata-admin"), 12);
}

}  // namespace strata::admin
