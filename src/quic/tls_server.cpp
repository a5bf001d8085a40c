#include "quic/tls_server.hpp"

#include <gnutls/crypto.h>
#include <gnutls/gnutls.h>
#include <ngtcp2/ngtcp2_crypto.h>
#include <ngtcp2/ngtcp2_crypto_gnutls.h>
#include <xxhash.h>

#include <cstring>
#include <mutex>
#include <stdexcept>

#include "config/config.hpp"
#include "core/clock.hpp"
#include "io/self_signed.hpp"
#include "obs/metrics.hpp"
#include "quic/client_hello.hpp"
#include "quic/replay_guard.hpp"

namespace strata::quic {

namespace {

constexpr std::string_view kAlpnH3 = "h3";

// The session-ticket master key, shared by every listener and generation so
// tickets (and 0-RTT) survive a reload. GnuTLS derives rotating keys from it.
const gnutls_datum_t& ticket_master_key() {
  static gnutls_datum_t key = [] {
    gnutls_datum_t k{};
    if (gnutls_session_ticket_key_generate(&k) != 0)
      throw std::runtime_error("quic: cannot generate the session ticket key");
    return k;
  }();
  return key;
}

// ClientHello-level replay memory for 0-RTT (GnuTLS's anti-replay calls
// this for every ClientHello that offers early data): a replayed
// ClientHello within the window has its early data refused.
// Process-wide (a replay may reach any worker or listener), sized by the
// first HTTP/3 listener's replay_cache_entries / replay_window.
ReplayGuard& hello_guard(std::size_t entries = 100000,
                         std::chrono::nanoseconds window = std::chrono::seconds(10)) {
  static ReplayGuard g(entries, window, core::SteadyClock::instance());
  return g;
}

// The ticket of the ClientHello being processed on this thread: GnuTLS
// runs the ClientHello hook and then the anti-replay check within one
// gnutls_handshake() call on the connection's worker.
thread_local std::uint64_t t_ticket = 0;

int anti_replay_add(void*, time_t, const gnutls_datum_t* key, const gnutls_datum_t*) {
  static obs::Counter& replays = obs::counter("strata_quic_early_data_total",
                                              "0-RTT early data decisions", {{"outcome", "replayed_hello"}});
  // Single-use tickets for early data (RFC 8446 8.1): keyed on the ticket,
  // so a captured ClientHello and a reused ticket with a fresh ClientHello
  // are both refused (the client falls back to 1-RTT).
  auto h = t_ticket ? t_ticket : XXH3_64bits(key->data, key->size);
  if (hello_guard().check(h) == ReplayGuard::Verdict::fresh) return 0;
  replays.inc();
  return GNUTLS_E_DB_ENTRY_EXISTS;
}

int client_hello_hook(gnutls_session_t s, unsigned htype, unsigned when, unsigned incoming,
                      const gnutls_datum_t* msg) {
  if (htype != GNUTLS_HANDSHAKE_CLIENT_HELLO || !incoming) return 0;
  if (when == GNUTLS_HOOK_PRE) {
    t_ticket = 0;
    if (msg) {
      auto ticket = psk_identity(std::string_view(reinterpret_cast<const char*>(msg->data), msg->size));
      if (!ticket.empty()) t_ticket = XXH3_64bits(ticket.data(), ticket.size()) | 1;
    }
    auto* ref = static_cast<ngtcp2_crypto_conn_ref*>(gnutls_session_get_ptr(s));
    if (ref && ref->user_data && msg)
      static_cast<TlsPeer*>(ref->user_data)
          ->on_client_hello(std::string_view(reinterpret_cast<const char*>(msg->data), msg->size));
    return 0;
  }
  // POST: ALPN must have selected h3.
  gnutls_datum_t alpn{};
  if (gnutls_alpn_get_selected_protocol(s, &alpn) != 0) return -1;
  if (alpn.size != kAlpnH3.size() || std::memcmp(alpn.data, kAlpnH3.data(), alpn.size) != 0)
    return -1;
  return 0;
}

}  // namespace

struct TlsServer::Impl {
  gnutls_certificate_credentials_t cred = nullptr;
  gnutls_anti_replay_t anti_replay = nullptr;
  gnutls_priority_t priority = nullptr;
  bool early_data = true;
  ~Impl() {
    if (priority) gnutls_priority_deinit(priority);
    if (anti_replay) gnutls_anti_replay_deinit(anti_replay);
    if (cred) gnutls_certificate_free_credentials(cred);
  }
};

TlsServer::TlsServer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
TlsServer::~TlsServer() = default;

std::shared_ptr<TlsServer> TlsServer::create(const config::Tls& tls, const std::string& state_dir,
                                             const config::Quic& quic) {
  auto impl = std::make_unique<Impl>();
  impl->early_data = quic.early_data;
  hello_guard(quic.replay_cache_entries, std::chrono::nanoseconds(quic.replay_window));
  if (int rv = gnutls_certificate_allocate_credentials(&impl->cred); rv != 0)
    throw std::runtime_error(std::string("quic tls: ") + gnutls_strerror(rv));
  auto add = [&](const std::string& cert, const std::string& key) {
    int rv = gnutls_certificate_set_x509_key_file2(impl->cred, cert.c_str(), key.c_str(),
                                                   GNUTLS_X509_FMT_PEM, nullptr, 0);
    if (rv < 0)
      throw std::runtime_error("quic tls: certificate " + cert + " / key " + key + ": " +
                               gnutls_strerror(rv));
  };
  if (tls.certificates.empty()) {
    auto ss = io::ensure_self_signed(state_dir);
    add(ss.cert_file, ss.key_file);
  } else {
    // GnuTLS picks among several certificates by the client's SNI (names
    // from each certificate's SAN/CN); the first is the default.
    for (const auto& c : tls.certificates) add(c.cert_file, c.key_file);
  }
  const char* err = nullptr;
  if (int rv = gnutls_priority_init2(&impl->priority,
                                     "%DISABLE_TLS13_COMPAT_MODE:-VERS-ALL:+VERS-TLS1.3", &err,
                                     GNUTLS_PRIORITY_INIT_DEF_APPEND);
      rv != 0)
    throw std::runtime_error(std::string("quic tls: priority: ") + gnutls_strerror(rv));
  if (int rv = gnutls_anti_replay_init(&impl->anti_replay); rv != 0)
    throw std::runtime_error(std::string("quic tls: anti-replay: ") + gnutls_strerror(rv));
  gnutls_anti_replay_set_add_function(impl->anti_replay, anti_replay_add);
  gnutls_anti_replay_set_ptr(impl->anti_replay, nullptr);
  ticket_master_key();
  return std::shared_ptr<TlsServer>(new TlsServer(std::move(impl)));
}

gnutls_session_t TlsServer::new_session(ngtcp2_crypto_conn_ref* ref) const {
  gnutls_session_t s = nullptr;
  unsigned flags = GNUTLS_SERVER | GNUTLS_NO_AUTO_SEND_TICKET | GNUTLS_NO_END_OF_EARLY_DATA;
  if (impl_->early_data) flags |= GNUTLS_ENABLE_EARLY_DATA;
  if (gnutls_init(&s, flags) != 0) return nullptr;
  auto fail = [&] {
    gnutls_deinit(s);
    return nullptr;
  };
  if (gnutls_priority_set(s, impl_->priority) != 0) return fail();
  if (gnutls_session_ticket_enable_server(s, &ticket_master_key()) != 0) return fail();
  gnutls_handshake_set_hook_function(s, GNUTLS_HANDSHAKE_CLIENT_HELLO, GNUTLS_HOOK_BOTH,
                                     client_hello_hook);
  if (ngtcp2_crypto_gnutls_configure_server_session(s) != 0) return fail();
  if (impl_->early_data) {
    gnutls_anti_replay_enable(s, impl_->anti_replay);
    gnutls_record_set_max_early_data_size(s, 0xffffffffu);
  }
  gnutls_session_set_ptr(s, ref);
  if (gnutls_credentials_set(s, GNUTLS_CRD_CERTIFICATE, impl_->cred) != 0) return fail();
  gnutls_datum_t alpn{reinterpret_cast<unsigned char*>(const_cast<char*>(kAlpnH3.data())),
                      unsigned(kAlpnH3.size())};
  gnutls_alpn_set_protocols(s, &alpn, 1, GNUTLS_ALPN_MANDATORY | GNUTLS_ALPN_SERVER_PRECEDENCE);
  return s;
}

std::string tls_sni(gnutls_session_t s) {
  char name[256];
  size_t len = sizeof name;
  unsigned type = 0;
  if (gnutls_server_name_get(s, name, &len, &type, 0) == 0 && type == GNUTLS_NAME_DNS)
    return std::string(name, len);
  return {};
}

}  // namespace strata::quic
