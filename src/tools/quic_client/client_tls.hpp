// TLS state shared by the QUIC client connections of one thread: GnuTLS
// certificate credentials (system trust, used only when verifying) and the
// resumption cache — the latest session ticket and the server's transport
// parameters from an earlier connection, which together allow 0-RTT on the
// next one. In memory only, for the lifetime of one run. Not thread-safe:
// one ClientTls per worker thread.
#pragma once
#include <cstdint>
#include <memory>
#include <optional>
#include <string>

struct gnutls_session_int;

namespace strata::tools::quic_client {

// The subset of the server's transport parameters a client must remember
// for 0-RTT (RFC 9000 §7.4.1).
struct RememberedParams {
  std::uint64_t initial_max_stream_data_bidi_local = 0;
  std::uint64_t initial_max_stream_data_bidi_remote = 0;
  std::uint64_t initial_max_stream_data_uni = 0;
  std::uint64_t initial_max_data = 0;
  std::uint64_t initial_max_streams_bidi = 0;
  std::uint64_t initial_max_streams_uni = 0;
  std::uint64_t active_connection_id_limit = 0;
  std::uint64_t max_datagram_frame_size = 0;
};

class ClientTls {
 public:
  // verify: check the chain against the system trust store and the host
  // name. Throws std::runtime_error when GnuTLS cannot be set up.
  explicit ClientTls(bool verify);
  ~ClientTls();
  ClientTls(const ClientTls&) = delete;
  ClientTls& operator=(const ClientTls&) = delete;

  bool verify() const { return verify_; }

  // Creates a client session for QUIC (TLS 1.3 only, ALPN h3, SNI unless
  // `host` is an IP literal, verification per verify()), resuming the cached
  // ticket if any. `conn_ref` is the ngtcp2_crypto_conn_ref the session
  // carries. Returns null and sets `err` on failure; sets `resuming` when a
  // ticket was installed (0-RTT possible).
  gnutls_session_int* new_session(const std::string& host, void* conn_ref, bool& resuming,
                                  std::string& err);

  // Resumption cache. store_ticket() keeps the session's latest ticket
  // (called from the NEW_SESSION_TICKET hook).
  void store_ticket(gnutls_session_int* s);
  bool has_ticket() const { return !ticket_.empty(); }
  // Counts the tickets stored so far (to see whether a connection got one).
  std::uint64_t tickets_received() const { return tickets_; }
  void store_params(const RememberedParams& p) { params_ = p; }
  const std::optional<RememberedParams>& params() const { return params_; }
  // Drops the ticket (e.g. after the server refused resumption).
  void forget() {
    ticket_.clear();
    params_.reset();
  }

 private:
  bool verify_;
  void* cred_ = nullptr;  // gnutls_certificate_credentials_t
  std::string ticket_;
  std::uint64_t tickets_ = 0;
  std::optional<RememberedParams> params_;
};

// TLS facts of a finished handshake.
struct TlsFacts {
  std::string version;  // "TLSv1.3"
  std::string cipher;   // IANA suite name
  std::string alpn;
  bool resumed = false;
  bool early_data_accepted = false;
};
TlsFacts tls_facts(gnutls_session_int* s);

// Pure: GnuTLS's protocol name ("TLS1.3") in OpenSSL's spelling ("TLSv1.3")
// so h3 and h1/h2 probes report the same strings.
std::string normalize_tls_version(const std::string& gnutls_name);

}  // namespace strata::tools::quic_client
