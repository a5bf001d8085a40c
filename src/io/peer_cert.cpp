#include "io/peer_cert.hpp"

#include <cstdio>

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

namespace strata::io {

namespace {

std::string asn1_text(const ASN1_STRING* s) {
  return std::string(reinterpret_cast<const char*>(ASN1_STRING_get0_data(s)),
                     std::size_t(ASN1_STRING_length(s)));
}

std::string ip_text(const ASN1_OCTET_STRING* s) {
  const unsigned char* p = ASN1_STRING_get0_data(s);
  int n = ASN1_STRING_length(s);
  char buf[64] = {};
  if (n == 4) {
    std::snprintf(buf, sizeof buf, "%u.%u.%u.%u", p[0], p[1], p[2], p[3]);
    return buf;
  }
  if (n == 16) {
    std::string out;
    for (int i = 0; i < 16; i += 2) {
      std::snprintf(buf, sizeof buf, "%s%x", i ? ":" : "", unsigned(p[i] << 8 | p[i + 1]));
      out += buf;
    }
    return out;
  }
  return "?";
}

std::string subject_of(X509* cert) {
  BIO* bio = BIO_new(BIO_s_mem());
  if (!bio) return {};
  std::string out;
  if (X509_NAME_print_ex(bio, X509_get_subject_name(cert), 0, XN_FLAG_RFC2253) >= 0) {
    char* p = nullptr;
    long n = BIO_get_mem_data(bio, &p);
    out.assign(p, std::size_t(n));
  }
  BIO_free(bio);
  return out;
}

std::string san_of(X509* cert) {
  auto* gens = static_cast<GENERAL_NAMES*>(
      X509_get_ext_d2i(cert, NID_subject_alt_name, nullptr, nullptr));
  if (!gens) return {};
  std::string out;
  for (int i = 0; i < sk_GENERAL_NAME_num(gens); ++i) {
    const GENERAL_NAME* g = sk_GENERAL_NAME_value(gens, i);
    std::string item;
    switch (g->type) {
      case GEN_DNS: item = "DNS:" + asn1_text(g->d.dNSName); break;
      case GEN_EMAIL: item = "email:" + asn1_text(g->d.rfc822Name); break;
      case GEN_URI: item = "URI:" + asn1_text(g->d.uniformResourceIdentifier); break;
      case GEN_IPADD: item = "IP:" + ip_text(g->d.iPAddress); break;
      default: continue;
    }
    // A header value never carries CR, LF, NUL or our separator's comma.
    for (char& ch : item)
      if (ch == '\r' || ch == '\n' || ch == '\0' || ch == ',') ch = '?';
    if (!out.empty()) out += ", ";
    out += item;
  }
  GENERAL_NAMES_free(gens);
  return out;
}

}  // namespace

PeerCertificate peer_certificate_of(SSL* ssl) {
  PeerCertificate pc;
  X509* cert = ssl ? SSL_get0_peer_certificate(ssl) : nullptr;
  if (!cert) return pc;
  pc.presented = true;
  pc.verified = SSL_get_verify_result(ssl) == X509_V_OK;
  pc.subject = subject_of(cert);
  for (char& ch : pc.subject)
    if (ch == '\r' || ch == '\n' || ch == '\0') ch = '?';
  pc.san = san_of(cert);
  ERR_clear_error();
  return pc;
}

PeerCertFailure peer_cert_failure_of(SSL* ssl, unsigned long err) {
  if (ssl && SSL_get_verify_result(ssl) != X509_V_OK) return PeerCertFailure::invalid;
  if (ERR_GET_LIB(err) == ERR_LIB_SSL && ERR_GET_REASON(err) == SSL_R_PEER_DID_NOT_RETURN_A_CERTIFICATE)
    return PeerCertFailure::missing;
  return PeerCertFailure::none;
}

}  // namespace strata::io
