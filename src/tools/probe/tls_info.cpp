#include "tools/probe/tls_info.hpp"

#include <openssl/bio.h>
#include <openssl/ct.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <fmt/format.h>

namespace strata::tools::probe {

namespace {

std::string bio_string(BIO* b) {
  char* p = nullptr;
  const long n = BIO_get_mem_data(b, &p);
  std::string s(p ? p : "", n > 0 ? std::size_t(n) : 0);
  BIO_free(b);
  return s;
}

std::string name_str(const X509_NAME* n) {
  BIO* b = BIO_new(BIO_s_mem());
  X509_NAME_print_ex(b, n, 0, XN_FLAG_RFC2253);
  return bio_string(b);
}

std::string time_str(const ASN1_TIME* t) {
  BIO* b = BIO_new(BIO_s_mem());
  ASN1_TIME_print(b, t);
  return bio_string(b);
}

std::vector<std::string> sans_of(X509* x) {
  std::vector<std::string> out;
  auto* names = static_cast<GENERAL_NAMES*>(X509_get_ext_d2i(x, NID_subject_alt_name, nullptr, nullptr));
  if (!names) return out;
  for (int i = 0; i < sk_GENERAL_NAME_num(names); ++i) {
    const GENERAL_NAME* g = sk_GENERAL_NAME_value(names, i);
    if (g->type == GEN_DNS) {
      const auto* s = g->d.dNSName;
      out.push_back("DNS:" + std::string(reinterpret_cast<const char*>(ASN1_STRING_get0_data(s)),
                                         std::size_t(ASN1_STRING_length(s))));
    } else if (g->type == GEN_IPADD) {
      const auto* s = g->d.iPAddress;
      const unsigned char* p = ASN1_STRING_get0_data(s);
      const int len = ASN1_STRING_length(s);
      if (len == 4) {
        out.push_back(fmt::format("IP:{}.{}.{}.{}", p[0], p[1], p[2], p[3]));
      } else if (len == 16) {
        std::string ip = "IP:";
        for (int k = 0; k < 16; k += 2)
          ip += fmt::format("{}{:x}", k ? ":" : "", (p[k] << 8) | p[k + 1]);
        out.push_back(ip);
      }
    }
  }
  GENERAL_NAMES_free(names);
  return out;
}

}  // namespace

void collect_chain_der(const std::vector<std::string>& der, Attempt& a) {
  for (auto& d : der) {
    const auto* p = reinterpret_cast<const unsigned char*>(d.data());
    X509* x = d2i_X509(nullptr, &p, long(d.size()));
    if (!x) continue;
    a.chain.push_back({name_str(X509_get_subject_name(x)), name_str(X509_get_issuer_name(x)),
                       time_str(X509_get0_notAfter(x)), sans_of(x)});
    X509_free(x);
  }
}

void collect_tls_info(SSL* ssl, Attempt& a) {
  a.tls_version = SSL_get_version(ssl);
  if (const SSL_CIPHER* c = SSL_get_current_cipher(ssl)) a.cipher = SSL_CIPHER_get_name(c);
  const unsigned char* alpn = nullptr;
  unsigned len = 0;
  SSL_get0_alpn_selected(ssl, &alpn, &len);
  if (alpn) a.alpn.assign(reinterpret_cast<const char*>(alpn), len);
  a.resumed = SSL_session_reused(ssl) == 1;
  const long v = SSL_get_verify_result(ssl);
  a.verify = v == X509_V_OK ? "ok" : X509_verify_cert_error_string(v);
  if (STACK_OF(X509)* chain = SSL_get_peer_cert_chain(ssl)) {
    for (int i = 0; i < sk_X509_num(chain); ++i) {
      X509* x = sk_X509_value(chain, i);
      a.chain.push_back({name_str(X509_get_subject_name(x)), name_str(X509_get_issuer_name(x)),
                         time_str(X509_get0_notAfter(x)), sans_of(x)});
    }
  }
  if (const STACK_OF(SCT)* scts = SSL_get0_peer_scts(ssl)) {
    for (int i = 0; i < sk_SCT_num(scts); ++i) {
      const SCT* s = sk_SCT_value(scts, i);
      unsigned char* id = nullptr;
      const std::size_t n = SCT_get0_log_id(s, &id);
      std::string hex;
      for (std::size_t k = 0; k < n; ++k) hex += fmt::format("{:02x}", id[k]);
      a.sct_log_ids.push_back(hex);
    }
  }
}

}  // namespace strata::tools::probe
