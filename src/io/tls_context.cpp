#include "io/tls_context.hpp"

#include <cstdint>
#include <cstring>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include <boost/asio/ssl/context.hpp>
#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/ocsp.h>
#include <openssl/rand.h>
#include <openssl/sha.h>
#include <openssl/ssl.h>

#include "config/config.hpp"
#include "io/openssl_util.hpp"
#include "io/self_signed.hpp"
#include "io/sni_table.hpp"
#include "io/ticket_keys.hpp"

namespace strata::io {

namespace ssl = boost::asio::ssl;

namespace {

// Immutable after construction; read by callbacks on any thread.
struct ServerState {
  std::string alpn;                    // wire format, server preference order
  SniTable sni;
  std::vector<SSL_CTX*> ctxs;          // [0] is the asio context's (not owned)
  std::shared_ptr<TicketKeyRing> ring;  // null: tickets off
  std::string ocsp_der;                 // stapled for ctxs[0]'s certificate; "" = none

  ServerState() = default;
  ServerState(const ServerState&) = delete;
  ServerState& operator=(const ServerState&) = delete;
  ~ServerState() {
    for (std::size_t i = 1; i < ctxs.size(); ++i) SSL_CTX_free(ctxs[i]);
  }
};

// The context handed out owns its state; destroyed ctx first, then state.
struct Bundle {
  ServerState state;
  ssl::context ctx{ssl::context::tls_server};
};

int state_index() {
  static const int idx = SSL_CTX_get_ex_new_index(0, nullptr, nullptr, nullptr, nullptr);
  return idx;
}

ServerState* state_of(SSL* s) {
  return static_cast<ServerState*>(SSL_CTX_get_ex_data(SSL_get_SSL_CTX(s), state_index()));
}

[[noreturn]] void fail(const std::string& what) {
  std::string e = ossl::drain_errors();
  throw std::runtime_error(e.empty() ? what : what + ": " + e);
}

int parse_version(const std::string& v, const char* field) {
  if (v.empty()) return 0;
  if (v == "1.2") return TLS1_2_VERSION;
  if (v == "1.3") return TLS1_3_VERSION;
  throw std::runtime_error(std::string("tls: ") + field + " must be \"1.2\" or \"1.3\", got \"" +
                           v + "\"");
}

int set_mac_key(EVP_MAC_CTX* hctx, TicketKeyRing::Key& k) {
  char digest[] = "SHA256";
  OSSL_PARAM params[] = {
      OSSL_PARAM_construct_octet_string(OSSL_MAC_PARAM_KEY, k.hmac.data(), k.hmac.size()),
      OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, digest, 0),
      OSSL_PARAM_construct_end()};
  return EVP_MAC_CTX_set_params(hctx, params);
}

// Session ticket encryption: AES-256-CBC + HMAC-SHA256 with ring keys.
// Returns 1 ok, 2 ok but renew (old key), 0 unknown key, -1 error.
int ticket_cb(SSL* s, unsigned char key_name[16], unsigned char* iv, EVP_CIPHER_CTX* cctx,
              EVP_MAC_CTX* hctx, int enc) {
  ServerState* st = state_of(s);
  if (!st || !st->ring) return enc ? -1 : 0;
  int rc = -1;
  TicketKeyRing::Key key;
  try {
    if (enc) {
      key = st->ring->current();
      std::memcpy(key_name, key.name.data(), key.name.size());
      if (RAND_bytes(iv, EVP_CIPHER_get_iv_length(EVP_aes_256_cbc())) == 1 &&
          EVP_EncryptInit_ex(cctx, EVP_aes_256_cbc(), nullptr, key.aes.data(), iv) == 1 &&
          set_mac_key(hctx, key) == 1)
        rc = 1;
    } else {
      auto found = st->ring->find(std::span<const unsigned char, 16>(key_name, 16));
      if (!found) return 0;
      key = found->key;
      if (EVP_DecryptInit_ex(cctx, EVP_aes_256_cbc(), nullptr, key.aes.data(), iv) == 1 &&
          set_mac_key(hctx, key) == 1)
        rc = found->current ? 1 : 2;
    }
  } catch (const std::exception&) {
    rc = -1;
  }
  OPENSSL_cleanse(&key, sizeof key);
  return rc;
}

// ALPN: the first of our protocols (preference order) the client offers.
int alpn_cb(SSL*, const unsigned char** out, unsigned char* outlen, const unsigned char* in,
            unsigned int inlen, void* arg) {
  const std::string& ours = static_cast<ServerState*>(arg)->alpn;
  for (std::size_t i = 0; i < ours.size(); i += 1 + std::size_t(std::uint8_t(ours[i]))) {
    unsigned len = std::uint8_t(ours[i]);
    for (unsigned j = 0; j < inlen;) {
      unsigned cl = in[j];
      if (j + 1 + cl > inlen) break;  // malformed list: stop scanning it
      if (cl == len && std::memcmp(in + j + 1, ours.data() + i + 1, len) == 0) {
        *out = in + j + 1;
        *outlen = static_cast<unsigned char>(cl);
        return SSL_TLSEXT_ERR_OK;
      }
      j += 1 + cl;
    }
  }
  return SSL_TLSEXT_ERR_NOACK;
}

// SNI: move the connection to the matching certificate's SSL_CTX.
int servername_cb(SSL* s, int* alert, void* arg) {
  auto* st = static_cast<ServerState*>(arg);
  const char* name = SSL_get_servername(s, TLSEXT_NAMETYPE_host_name);
  if (!name) return SSL_TLSEXT_ERR_OK;
  std::size_t i = st->sni.find(name);
  if (i != 0 && i < st->ctxs.size() && SSL_set_SSL_CTX(s, st->ctxs[i]) == nullptr) {
    *alert = SSL_AD_INTERNAL_ERROR;
    return SSL_TLSEXT_ERR_ALERT_FATAL;
  }
  return SSL_TLSEXT_ERR_OK;
}

// OCSP stapling: the configured DER response, for the default certificate
// only (a connection moved to another certificate by SNI gets none).
int status_cb(SSL* s, void* arg) {
  auto* st = static_cast<ServerState*>(arg);
  if (st->ocsp_der.empty() || st->ctxs.empty() || SSL_get_SSL_CTX(s) != st->ctxs[0])
    return SSL_TLSEXT_ERR_NOACK;
  auto* copy = static_cast<unsigned char*>(OPENSSL_malloc(st->ocsp_der.size()));
  if (!copy) return SSL_TLSEXT_ERR_NOACK;
  std::memcpy(copy, st->ocsp_der.data(), st->ocsp_der.size());
  if (SSL_set_tlsext_status_ocsp_resp(s, copy, long(st->ocsp_der.size())) != 1) {
    OPENSSL_free(copy);
    return SSL_TLSEXT_ERR_NOACK;
  }
  return SSL_TLSEXT_ERR_OK;
}

// Reads and checks a DER OCSP response file.
std::string read_ocsp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("tls: cannot read ocsp_file '" + path + "'");
  std::ostringstream ss;
  ss << in.rdbuf();
  std::string der = ss.str();
  const auto* p = reinterpret_cast<const unsigned char*>(der.data());
  OCSP_RESPONSE* r = d2i_OCSP_RESPONSE(nullptr, &p, long(der.size()));
  if (!r) fail("tls: ocsp_file '" + path + "' is not a DER OCSP response");
  OCSP_RESPONSE_free(r);
  return der;
}

// Mozilla's "intermediate" TLS 1.2 list: ECDHE key exchange (forward
// secrecy) with AEAD ciphers only. Used when `tls.ciphers` is not set.
constexpr const char* kDefaultCiphers =
    "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:"
    "ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:"
    "ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305";

// DNS names of the SAN, or the CN when the SAN has none.
std::vector<std::string> names_of(X509* cert) {
  std::vector<std::string> out;
  if (!cert) return out;
  auto* gens = static_cast<GENERAL_NAMES*>(
      X509_get_ext_d2i(cert, NID_subject_alt_name, nullptr, nullptr));
  if (gens) {
    for (int i = 0; i < sk_GENERAL_NAME_num(gens); ++i) {
      const GENERAL_NAME* g = sk_GENERAL_NAME_value(gens, i);
      if (g->type != GEN_DNS) continue;
      const ASN1_IA5STRING* s = g->d.dNSName;
      out.emplace_back(reinterpret_cast<const char*>(ASN1_STRING_get0_data(s)),
                       std::size_t(ASN1_STRING_length(s)));
    }
    GENERAL_NAMES_free(gens);
  }
  if (out.empty()) {
    X509_NAME* subj = X509_get_subject_name(cert);
    int idx = X509_NAME_get_index_by_NID(subj, NID_commonName, -1);
    if (idx >= 0) {
      ASN1_STRING* d = X509_NAME_ENTRY_get_data(X509_NAME_get_entry(subj, idx));
      out.emplace_back(reinterpret_cast<const char*>(ASN1_STRING_get0_data(d)),
                       std::size_t(ASN1_STRING_length(d)));
    }
  }
  ossl::drain_errors();
  return out;
}

struct CertFiles {
  std::string cert, key;
  std::vector<std::string> names;
};

void configure(SSL_CTX* c, const config::Tls& tls, ServerState* st, const std::string& sid_ctx,
               const CertFiles& files) {
  int minv = parse_version(tls.min_version, "min_version");
  int maxv = parse_version(tls.max_version, "max_version");
  if (minv && maxv && minv > maxv)
    throw std::runtime_error("tls: min_version " + tls.min_version + " is above max_version " +
                             tls.max_version);
  if (SSL_CTX_set_min_proto_version(c, minv ? minv : TLS1_2_VERSION) != 1 ||
      SSL_CTX_set_max_proto_version(c, maxv) != 1)
    fail("tls: cannot set protocol versions");

  SSL_CTX_set_options(c, SSL_OP_NO_RENEGOTIATION | SSL_OP_NO_COMPRESSION |
                             SSL_OP_CIPHER_SERVER_PREFERENCE |
                             (tls.session_tickets ? 0 : SSL_OP_NO_TICKET));
  SSL_CTX_set_mode(c, SSL_MODE_RELEASE_BUFFERS);
  const std::string& ciphers = tls.ciphers.empty() ? std::string(kDefaultCiphers) : tls.ciphers;
  if (SSL_CTX_set_cipher_list(c, ciphers.c_str()) != 1)
    fail("tls: invalid ciphers \"" + ciphers + "\"");
  if (!tls.ciphersuites.empty() && SSL_CTX_set_ciphersuites(c, tls.ciphersuites.c_str()) != 1)
    fail("tls: invalid ciphersuites \"" + tls.ciphersuites + "\"");
  if (!tls.groups.empty() && SSL_CTX_set1_groups_list(c, tls.groups.c_str()) != 1)
    fail("tls: invalid groups \"" + tls.groups + "\"");

  // Stateless tickets only; no server-side session cache.
  SSL_CTX_set_session_cache_mode(c, SSL_SESS_CACHE_OFF);
  if (SSL_CTX_set_session_id_context(c, reinterpret_cast<const unsigned char*>(sid_ctx.data()),
                                     unsigned(sid_ctx.size())) != 1)
    fail("tls: cannot set session id context");
  if (tls.session_tickets) {
    if (SSL_CTX_set_tlsext_ticket_key_evp_cb(c, ticket_cb) != 1)
      fail("tls: cannot set the session ticket callback");
  } else {
    SSL_CTX_set_num_tickets(c, 0);
  }
  if (!st->alpn.empty()) SSL_CTX_set_alpn_select_cb(c, alpn_cb, st);
  if (!st->ocsp_der.empty()) {
    SSL_CTX_set_tlsext_status_cb(c, status_cb);
    SSL_CTX_set_tlsext_status_arg(c, st);
  }

  // Client certificates (mTLS): optional = ask, verify when sent;
  // required = a verified certificate or no handshake.
  const auto& cc = tls.client_certificates;
  if (cc.mode != "off") {
    if (SSL_CTX_load_verify_locations(c, cc.ca_file.c_str(), nullptr) != 1)
      fail("tls: cannot load client_certificates.ca_file '" + cc.ca_file + "'");
    STACK_OF(X509_NAME)* names = SSL_load_client_CA_file(cc.ca_file.c_str());
    if (!names) fail("tls: no CA certificate in client_certificates.ca_file '" + cc.ca_file + "'");
    SSL_CTX_set_client_CA_list(c, names);
    SSL_CTX_set_verify(c, SSL_VERIFY_PEER | (cc.mode == "required" ? SSL_VERIFY_FAIL_IF_NO_PEER_CERT : 0),
                       nullptr);
    SSL_CTX_set_verify_depth(c, int(cc.verify_depth));
  }
  SSL_CTX_set_tlsext_servername_callback(c, servername_cb);
  SSL_CTX_set_tlsext_servername_arg(c, st);
  if (SSL_CTX_set_ex_data(c, state_index(), st) != 1) fail("tls: SSL_CTX_set_ex_data");

  SSL_CTX_set_default_passwd_cb(c, ossl::no_passphrase);
  if (SSL_CTX_use_certificate_chain_file(c, files.cert.c_str()) != 1)
    fail("tls: cannot load certificate chain '" + files.cert + "'");
  ossl::PkeyPtr key = ossl::read_key_pem(files.key);
  if (!key) fail("tls: cannot load private key '" + files.key + "' (PEM, unencrypted)");
  if (SSL_CTX_use_PrivateKey(c, key.get()) != 1 || SSL_CTX_check_private_key(c) != 1)
    fail("tls: private key '" + files.key + "' does not match certificate '" + files.cert + "'");
}

}  // namespace

std::string alpn_wire(const std::vector<std::string>& protos) {
  std::string w;
  for (const auto& p : protos) {
    if (p.empty() || p.size() > 255) continue;
    w += char(p.size());
    w += p;
  }
  return w;
}

std::shared_ptr<ssl::context> make_server_tls_context(const config::Tls& tls,
                                                      const std::vector<std::string>& alpn,
                                                      const std::string& state_dir,
                                                      std::shared_ptr<TicketKeyRing> ring) {
  std::vector<CertFiles> files;
  for (const auto& c : tls.certificates) files.push_back({c.cert_file, c.key_file, c.server_names});
  if (files.empty()) {
    if (!tls.self_signed)
      throw std::runtime_error("tls: no certificates configured and self_signed is off");
    SelfSigned ss = ensure_self_signed(state_dir);
    files.push_back({ss.cert_file, ss.key_file, {}});
  }

  // One session id context per certificate set: sessions resume only on a
  // listener serving the same certificates.
  std::string sid_src = "strata";
  for (const auto& f : files) sid_src += "\n" + f.cert + "\n" + f.key;
  // ... and the same client certificate policy (no resumption around mTLS).
  sid_src += "\n" + tls.client_certificates.mode + "\n" + tls.client_certificates.ca_file;
  unsigned char md[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(sid_src.data()), sid_src.size(), md);
  std::string sid_ctx(reinterpret_cast<char*>(md), SSL_MAX_SID_CTX_LENGTH);

  auto bundle = std::make_shared<Bundle>();
  ServerState& st = bundle->state;
  st.alpn = alpn_wire(alpn);
  if (!tls.ocsp_file.empty()) st.ocsp_der = read_ocsp(tls.ocsp_file);
  if (tls.session_tickets)
    st.ring = ring ? std::move(ring) : TicketKeyRing::process_wide(tls.ticket_key_rotation);
  ERR_clear_error();
  for (std::size_t i = 0; i < files.size(); ++i) {
    SSL_CTX* c = bundle->ctx.native_handle();
    if (i > 0) {
      c = SSL_CTX_new(TLS_server_method());
      if (!c) fail("tls: SSL_CTX_new");
    }
    st.ctxs.push_back(c);  // owned by `st` from here (i > 0)
    configure(c, tls, &st, sid_ctx, files[i]);
    st.sni.add(files[i].names.empty() ? names_of(SSL_CTX_get0_certificate(c)) : files[i].names, i);
  }
  return std::shared_ptr<ssl::context>(bundle, &bundle->ctx);
}

}  // namespace strata::io
