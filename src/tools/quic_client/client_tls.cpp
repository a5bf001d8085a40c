#include "tools/quic_client/client_tls.hpp"

#include <arpa/inet.h>

#include <cstring>
#include <stdexcept>

#include <gnutls/crypto.h>
#include <gnutls/gnutls.h>
#include <ngtcp2/ngtcp2.h>
#include <ngtcp2/ngtcp2_crypto.h>
#include <ngtcp2/ngtcp2_crypto_gnutls.h>

namespace strata::tools::quic_client {

namespace {

// TLS 1.3 only (QUIC), no middlebox compatibility mode (RFC 9001 §8.4).
constexpr const char* kPriority =
    "NORMAL:-VERS-ALL:+VERS-TLS1.3:-CIPHER-ALL:+AES-128-GCM:+AES-256-GCM:+CHACHA20-POLY1305:"
    "+AES-128-CCM:%DISABLE_TLS13_COMPAT_MODE";

gnutls_certificate_credentials_t cred_of(void* p) {
  return static_cast<gnutls_certificate_credentials_t>(p);
}

bool is_ip_literal(const std::string& h) {
  unsigned char buf[16];
  return inet_pton(AF_INET, h.c_str(), buf) == 1 || inet_pton(AF_INET6, h.c_str(), buf) == 1;
}

// GnuTLS calls this after every handshake message; a NEW_SESSION_TICKET
// refreshes the cache. The ClientTls rides in the session's db pointer
// (unused by a GnuTLS client otherwise).
int ticket_hook(gnutls_session_t s, unsigned htype, unsigned when, unsigned incoming,
                const gnutls_datum_t*) {
  if (htype != GNUTLS_HANDSHAKE_NEW_SESSION_TICKET || when != GNUTLS_HOOK_POST || !incoming)
    return 0;
  auto* tls = static_cast<ClientTls*>(gnutls_db_get_ptr(s));
  if (tls) tls->store_ticket(s);
  return 0;
}

}  // namespace

ClientTls::ClientTls(bool verify) : verify_(verify) {
  gnutls_certificate_credentials_t c = nullptr;
  if (gnutls_certificate_allocate_credentials(&c) != 0)
    throw std::runtime_error("gnutls_certificate_allocate_credentials failed");
  cred_ = c;
  if (verify_ && gnutls_certificate_set_x509_system_trust(c) < 0)
    throw std::runtime_error("cannot load the system trust store");
}

ClientTls::~ClientTls() {
  if (cred_) gnutls_certificate_free_credentials(cred_of(cred_));
}

gnutls_session_int* ClientTls::new_session(const std::string& host, void* conn_ref, bool& resuming,
                                           std::string& err) {
  resuming = false;
  gnutls_session_t s = nullptr;
  int rv = gnutls_init(&s, GNUTLS_CLIENT | GNUTLS_ENABLE_EARLY_DATA | GNUTLS_NO_END_OF_EARLY_DATA);
  if (rv != 0) {
    err = std::string("gnutls_init: ") + gnutls_strerror(rv);
    return nullptr;
  }
  auto fail = [&](const char* what, int code) -> gnutls_session_int* {
    err = std::string(what) + ": " + gnutls_strerror(code);
    gnutls_deinit(s);
    return nullptr;
  };
  if ((rv = gnutls_priority_set_direct(s, kPriority, nullptr)) != 0)
    return fail("gnutls_priority_set_direct", rv);
  if (ngtcp2_crypto_gnutls_configure_client_session(s) != 0) {
    err = "ngtcp2_crypto_gnutls_configure_client_session failed";
    gnutls_deinit(s);
    return nullptr;
  }
  gnutls_session_set_ptr(s, conn_ref);
  gnutls_db_set_ptr(s, this);  // reached from ticket_hook
  gnutls_handshake_set_hook_function(s, GNUTLS_HANDSHAKE_NEW_SESSION_TICKET, GNUTLS_HOOK_POST,
                                     ticket_hook);
  if ((rv = gnutls_credentials_set(s, GNUTLS_CRD_CERTIFICATE, cred_of(cred_))) != 0)
    return fail("gnutls_credentials_set", rv);
  static const char kH3[] = "h3";
  gnutls_datum_t alpn{reinterpret_cast<unsigned char*>(const_cast<char*>(kH3)), 2};
  if ((rv = gnutls_alpn_set_protocols(s, &alpn, 1, GNUTLS_ALPN_MANDATORY)) != 0)
    return fail("gnutls_alpn_set_protocols", rv);
  if (!host.empty() && !is_ip_literal(host)) {
    if ((rv = gnutls_server_name_set(s, GNUTLS_NAME_DNS, host.data(), host.size())) != 0)
      return fail("gnutls_server_name_set", rv);
  }
  if (verify_) gnutls_session_set_verify_cert(s, host.c_str(), 0);
  if (!ticket_.empty() && params_) {
    if (gnutls_session_set_data(s, ticket_.data(), ticket_.size()) == 0) resuming = true;
  }
  return s;
}

void ClientTls::store_ticket(gnutls_session_int* s) {
  gnutls_datum_t d{};
  if (gnutls_session_get_data2(s, &d) != 0) return;
  ticket_.assign(reinterpret_cast<const char*>(d.data), d.size);
  gnutls_free(d.data);
  ++tickets_;
}

std::string normalize_tls_version(const std::string& n) {
  if (n.rfind("TLS", 0) == 0 && n.size() > 3 && n[3] != 'v') return "TLSv" + n.substr(3);
  return n;
}

TlsFacts tls_facts(gnutls_session_int* s) {
  TlsFacts f;
  if (const char* v = gnutls_protocol_get_name(gnutls_protocol_get_version(s)))
    f.version = normalize_tls_version(v);
  if (const char* c = gnutls_ciphersuite_get(s)) f.cipher = c;
  gnutls_datum_t p{};
  if (gnutls_alpn_get_selected_protocol(s, &p) == 0)
    f.alpn.assign(reinterpret_cast<const char*>(p.data), p.size);
  f.resumed = gnutls_session_is_resumed(s) != 0;
  f.early_data_accepted = (gnutls_session_get_flags(s) & GNUTLS_SFLAGS_EARLY_DATA) != 0;
  return f;
}

}  // namespace strata::tools::quic_client
