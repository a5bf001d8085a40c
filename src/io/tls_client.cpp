#include "io/tls_client.hpp"

#include <stdexcept>

#include <boost/asio/ip/address.hpp>
#include <boost/asio/ssl/context.hpp>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include "io/openssl_util.hpp"
#include "io/tls_context.hpp"

namespace strata::io {

namespace ssl = boost::asio::ssl;

std::shared_ptr<ssl::context> make_client_tls_context(bool verify, std::vector<std::string> alpn) {
  auto ctx = std::make_shared<ssl::context>(ssl::context::tls_client);
  SSL_CTX* c = ctx->native_handle();
  ERR_clear_error();
  if (SSL_CTX_set_min_proto_version(c, TLS1_2_VERSION) != 1)
    throw std::runtime_error("tls client: cannot set the minimum version: " +
                             ossl::drain_errors());
  SSL_CTX_set_options(c, SSL_OP_NO_RENEGOTIATION | SSL_OP_NO_COMPRESSION);
  SSL_CTX_set_mode(c, SSL_MODE_RELEASE_BUFFERS);
  if (verify) {
    if (SSL_CTX_set_default_verify_paths(c) != 1)
      throw std::runtime_error("tls client: cannot load the system trust store: " +
                               ossl::drain_errors());
    SSL_CTX_set_verify(c, SSL_VERIFY_PEER, nullptr);
  } else {
    SSL_CTX_set_verify(c, SSL_VERIFY_NONE, nullptr);
  }
  std::string wire = alpn_wire(alpn);
  // Note: SSL_CTX_set_alpn_protos returns 0 on success.
  if (!wire.empty() &&
      SSL_CTX_set_alpn_protos(c, reinterpret_cast<const unsigned char*>(wire.data()),
                              unsigned(wire.size())) != 0)
    throw std::runtime_error("tls client: cannot set ALPN: " + ossl::drain_errors());
  return ctx;
}

bool prepare_client_ssl(SSL* s, const std::string& sni, bool verify) {
  boost::system::error_code ec;
  auto ip = boost::asio::ip::make_address(sni, ec);
  bool is_ip = !ec;
  bool ok = true;
  if (!sni.empty() && !is_ip) ok = SSL_set_tlsext_host_name(s, sni.c_str()) == 1;
  if (verify) {
    SSL_set_verify(s, SSL_VERIFY_PEER, nullptr);
    if (!sni.empty()) {
      X509_VERIFY_PARAM* p = SSL_get0_param(s);
      if (is_ip) {
        ok = ok && X509_VERIFY_PARAM_set1_ip_asc(p, ip.to_string().c_str()) == 1;
      } else {
        X509_VERIFY_PARAM_set_hostflags(p, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
        ok = ok && SSL_set1_host(s, sni.c_str()) == 1;
      }
    }
  } else {
    SSL_set_verify(s, SSL_VERIFY_NONE, nullptr);
  }
  if (!ok) ossl::drain_errors();
  return ok;
}

}  // namespace strata::io
