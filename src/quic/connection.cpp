// ngtcp2 wiring of one server connection. See connection.hpp.
#include "quic/connection.hpp"

#include <gnutls/gnutls.h>
#include <nghttp3/nghttp3.h>
#include <ngtcp2/ngtcp2.h>
#include <ngtcp2/ngtcp2_crypto.h>
#include <openssl/rand.h>
#include <xxhash.h>

#include <chrono>
#include <cstring>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "io/address.hpp"
#include "quic/cid.hpp"
#include "quic/client_hello.hpp"
#include "quic/endpoint.hpp"
#include "quic/metrics.hpp"
#include "quic/secrets.hpp"
#include "quic/source_limits.hpp"
#include "quic/token.hpp"

namespace strata::quic {

namespace h3 = codec::http3;

namespace {

std::uint64_t steady_ns() {
  return std::uint64_t(std::chrono::duration_cast<std::chrono::nanoseconds>(
                           std::chrono::steady_clock::now().time_since_epoch())
                           .count());
}

ngtcp2_cc_algo cc_algo(const std::string& name) {
  if (name == "bbr") return NGTCP2_CC_ALGO_BBR;
  if (name == "bbr2") return NGTCP2_CC_ALGO_BBR2;
  if (name == "reno") return NGTCP2_CC_ALGO_RENO;
  return NGTCP2_CC_ALGO_CUBIC;
}

std::string hex(const std::uint8_t* p, std::size_t n) {
  std::string s;
  for (std::size_t i = 0; i < n; ++i) s += fmt::format("{:02x}", p[i]);
  return s;
}

}  // namespace

// ---- lifetime -----------------------------------------------------------------

Connection::Connection(std::shared_ptr<Endpoint> ep)
    : ep_(std::move(ep)), ref_(std::make_unique<ngtcp2_crypto_conn_ref>()), timer_(ep_->executor()) {
  ref_->get_conn = crypto_get_conn;
  ref_->user_data = static_cast<TlsPeer*>(this);
}

Connection::~Connection() {
  app_.reset();
  if (conn_) ngtcp2_conn_del(conn_);
  if (tls_) gnutls_deinit(tls_);
}

std::uint64_t Connection::now_ts() const { return steady_ns(); }

std::vector<std::string> Connection::scids() const {
  std::vector<std::string> out;
  if (!conn_) return out;
  std::vector<ngtcp2_cid> ids(ngtcp2_conn_get_num_scid(conn_));
  ngtcp2_conn_get_scid(conn_, ids.data());
  for (const auto& id : ids) out.emplace_back(reinterpret_cast<const char*>(id.data), id.datalen);
  return out;
}

bool Connection::init(const io::Datagram& d, const ngtcp2_pkt_hd& hd, const ngtcp2_cid* odcid,
                      bool token_ok) {
  settings_ = ep_->host().settings();
  if (!settings_.quic || !settings_.tls) return false;
  const config::Quic& q = *settings_.quic;
  std::memcpy(&remote_, &d.remote, d.remote_len);
  std::memcpy(&source_, &d.remote, d.remote_len);
  remote_len_ = d.remote_len;
  client_dcid_.assign(reinterpret_cast<const char*>(hd.dcid.data), hd.dcid.datalen);

  ngtcp2_cid scid;
  scid.datalen = kServerCidLen;
  if (!make_server_cid(scid.data, ep_->worker())) return false;


  ngtcp2_settings settings;
  ngtcp2_settings_default(&settings);
  settings.initial_ts = now_ts();
  settings.cc_algo = cc_algo(q.congestion);
  settings.max_window = q.connection_window;
  settings.max_stream_window = q.stream_window;
  settings.handshake_timeout = std::uint64_t(q.handshake_timeout.count()) * NGTCP2_MILLISECONDS;
  if (token_ok && hd.token.len) settings.token = hd.token;
  if (!q.qlog_dir.empty()) {
    auto path = q.qlog_dir + "/" + hex(scid.data, scid.datalen) + ".sqlog";
    qlog_.reset(std::fopen(path.c_str(), "w"));
    if (qlog_) {
      settings.qlog.write = qlog_writer();
      settings.qlog.odcid = hd.dcid;
    } else {
      spdlog::warn("quic: cannot open qlog file {}", path);
    }
  }

  ngtcp2_transport_params params;
  ngtcp2_transport_params_default(&params);
  params.initial_max_stream_data_bidi_local = q.stream_window;
  params.initial_max_stream_data_bidi_remote = q.stream_window;
  params.initial_max_stream_data_uni = 256 * 1024;
  params.initial_max_data = q.connection_window;
  params.initial_max_streams_bidi = q.max_streams_bidi;
  params.initial_max_streams_uni = 3;
  params.max_idle_timeout = std::uint64_t(q.idle_timeout.count()) * NGTCP2_MILLISECONDS;
  params.active_connection_id_limit = 7;
  params.stateless_reset_token_present = 1;
  if (!stateless_reset_token(params.stateless_reset_token, Secrets::process(),
                             std::span<const std::uint8_t>(scid.data, scid.datalen)))
    return false;
  if (odcid) {
    params.original_dcid = *odcid;
    params.retry_scid = hd.dcid;
    params.retry_scid_present = 1;
  } else {
    params.original_dcid = hd.dcid;
  }

  ngtcp2_path path{{const_cast<sockaddr*>(ep_->local()), ep_->local_len()},
                   {reinterpret_cast<sockaddr*>(&remote_), remote_len_},
                   nullptr};
  if (ngtcp2_conn_server_new(&conn_, &hd.scid, &scid, &path, hd.version, &callback_table(), &settings,
                             &params, nullptr, this) != 0)
    return false;
  tls_ = settings_.tls->new_session(ref_.get());
  if (!tls_) return false;
  ngtcp2_conn_set_tls_native_handle(conn_, tls_);
  ep_->add_cid(scid.data, scid.datalen, shared_from_this());
  return true;
}

// ---- input --------------------------------------------------------------------

void Connection::on_datagram(const io::Datagram& d) {
  if (closed_) return;
  if (closing_) {
    // Closing period: answer with the CONNECTION_CLOSE again; draining: drop.
    if (!close_pkt_.empty() && !draining_period_) {
      std::size_t sent = 0;
      ep_->send(reinterpret_cast<const sockaddr*>(&d.remote), d.remote_len, close_pkt_.data(),
                close_pkt_.size(), close_pkt_.size(), &sent);
    }
    return;
  }
  ngtcp2_path path{{const_cast<sockaddr*>(ep_->local()), ep_->local_len()},
                   {const_cast<sockaddr*>(reinterpret_cast<const sockaddr*>(&d.remote)), d.remote_len},
                   nullptr};
  ngtcp2_pkt_info pi{};
  pi.ecn = d.ecn;
  int rv = ngtcp2_conn_read_pkt(conn_, &path, &pi, d.data.data(), d.data.size(), now_ts());
  if (rv != 0) {
    switch (rv) {
      case NGTCP2_ERR_DRAINING:
        enter_draining();
        return;
      case NGTCP2_ERR_RETRY:
      case NGTCP2_ERR_DROP_CONN:
        Metrics::get().handshakes_failed.inc();
        finish();
        return;
      case NGTCP2_ERR_CRYPTO:
        if (!ccerr_set_)
          ngtcp2_connection_close_error_set_transport_error_tls_alert(
              &ccerr_, ngtcp2_conn_get_tls_alert(conn_), nullptr, 0);
        ccerr_set_ = true;
        fail(rv);
        return;
      default:
        fail(rv);
        return;
    }
  }
  sample_stats();
  // Posted, not inline: the endpoint feeds a whole recvmmsg batch first, so
  // one write answers all of it (bigger GSO batches, fewer sends).
  kick();
}

void Connection::sample_stats() {
  ngtcp2_conn_stat st{};
  ngtcp2_conn_get_conn_stat(conn_, &st);
  auto& m = Metrics::get();
  if (st.congestion_recovery_start_ts != last_recovery_ts_) {
    if (last_recovery_ts_ != UINT64_MAX && st.congestion_recovery_start_ts != UINT64_MAX)
      m.loss_events.inc();
    last_recovery_ts_ = st.congestion_recovery_start_ts;
  }
  if (st.pto_count > last_pto_) m.pto.inc(st.pto_count - last_pto_);
  last_pto_ = st.pto_count;
}

// ---- timers and closing -------------------------------------------------------

void Connection::arm_timer() {
  if (closed_) return;
  auto expiry = ngtcp2_conn_get_expiry(conn_);
  // Lazy: a pending wait for an earlier time stays (on_timer re-checks and
  // waits on); only an earlier expiry moves the timer.
  if (armed_expiry_ && expiry >= armed_expiry_) return;
  armed_expiry_ = expiry;
  auto now = now_ts();
  auto wait = expiry > now ? std::chrono::nanoseconds(expiry - now) : std::chrono::nanoseconds(0);
  if (expiry == UINT64_MAX) wait = std::chrono::hours(24);
  timer_.expires_after(wait);
  timer_.async_wait([w = weak_from_this()](const boost::system::error_code& ec) {
    if (ec) return;
    if (auto s = w.lock()) {
      s->armed_expiry_ = 0;
      s->on_timer();
    }
  });
}

void Connection::on_timer() {
  if (closed_) return;
  if (closing_) {
    finish();
    return;
  }
  if (ngtcp2_conn_get_expiry(conn_) > now_ts()) {  // fired early: nothing due yet
    arm_timer();
    return;
  }
  int rv = ngtcp2_conn_handle_expiry(conn_, now_ts());
  if (rv == NGTCP2_ERR_IDLE_CLOSE) {
    if (!handshake_done_) Metrics::get().handshakes_timeout.inc();
    finish();  // idle: close silently (RFC 9000 10.1)
    return;
  }
  if (rv == NGTCP2_ERR_HANDSHAKE_TIMEOUT) {
    Metrics::get().handshakes_timeout.inc();
    finish();
    return;
  }
  if (rv != 0) {
    fail(rv);
    return;
  }
  sample_stats();
  if (drain_gave_up()) return;
  write();
}

bool Connection::drain_gave_up() {
  if (!app_ || !app_->draining() || !settings_.quic) return false;
  const std::uint32_t limit = settings_.quic->drain_probe_timeouts;
  if (limit == 0) return false;
  if (last_pto_ < limit) return false;  // sample_stats() just read it
  // The client stopped acknowledging: it left without a CONNECTION_CLOSE
  // (or lost its path). Closed silently, as by the idle timeout (RFC 9000
  // 10.1), instead of holding the drain until then.
  Metrics::get().drain_unresponsive.inc();
  finish();
  return true;
}

void Connection::fail(int liberr) {
  if (closed_ || closing_) return;
  if (!ccerr_set_) {
    if (app_error_)
      ngtcp2_connection_close_error_set_application_error(&ccerr_, app_error_, nullptr, 0);
    else
      ngtcp2_connection_close_error_set_transport_error_liberr(&ccerr_, liberr, nullptr, 0);
    ccerr_set_ = true;
  }
  if (!handshake_done_) Metrics::get().handshakes_failed.inc();
  Metrics::get().errors.inc();
  close_now(true, 0, false);
}

void Connection::close_now(bool send_close, std::uint64_t app_code, bool use_app_code) {
  if (closed_ || closing_) return;
  if (use_app_code) {
    ngtcp2_connection_close_error_set_application_error(&ccerr_, app_code, nullptr, 0);
    ccerr_set_ = true;
  }
  if (!send_close || !conn_ || ngtcp2_conn_is_in_closing_period(conn_) ||
      ngtcp2_conn_is_in_draining_period(conn_)) {
    finish();
    return;
  }
  if (!ccerr_set_) ngtcp2_connection_close_error_default(&ccerr_);
  close_pkt_.resize(NGTCP2_MAX_UDP_PAYLOAD_SIZE);
  ngtcp2_path_storage ps;
  ngtcp2_path_storage_zero(&ps);
  ngtcp2_pkt_info pi{};
  auto n = ngtcp2_conn_write_connection_close(conn_, &ps.path, &pi, close_pkt_.data(),
                                              close_pkt_.size(), &ccerr_, now_ts());
  if (n <= 0) {
    finish();
    return;
  }
  close_pkt_.resize(std::size_t(n));
  std::size_t sent = 0;
  ep_->send(ps.path.remote.addr, ps.path.remote.addrlen, close_pkt_.data(), close_pkt_.size(),
            close_pkt_.size(), &sent);
  enter_closing();
}

void Connection::enter_closing() {
  closing_ = true;
  armed_expiry_ = 0;
  if (app_) app_->closed();
  auto pto = std::chrono::nanoseconds(ngtcp2_conn_get_pto(conn_));
  timer_.expires_after(3 * pto);
  timer_.async_wait([w = weak_from_this()](const boost::system::error_code& ec) {
    if (ec) return;
    if (auto s = w.lock()) s->finish();
  });
}

void Connection::enter_draining() {
  if (closing_ || closed_) return;
  draining_period_ = true;
  enter_closing();
}

void Connection::finish() {
  if (closed_) return;
  closed_ = true;
  closing_ = true;
  timer_.cancel();
  if (conn_) {
    ngtcp2_conn_stat st{};
    ngtcp2_conn_get_conn_stat(conn_, &st);
    if (st.smoothed_rtt) Metrics::get().smoothed_rtt.observe(double(st.smoothed_rtt) / 1e9);
  }
  if (app_) app_->closed();
  ep_->closed(*this);
}

void Connection::drain() {
  if (closed_ || closing_) return;
  if (!app_ || !handshake_done_) {
    close_now(true, NGHTTP3_H3_NO_ERROR, true);
    return;
  }
  app_->drain();
  kick();
}

void Connection::stop() {
  if (closed_) return;
  if (!closing_) close_now(true, NGHTTP3_H3_NO_ERROR, true);
  finish();
}

// ---- HTTP/3 and TLS -----------------------------------------------------------

bool Connection::setup_h3() {
  if (app_) return true;
  if (ngtcp2_conn_get_max_local_streams_uni(conn_) < 3) return false;
  http::ConnInfo info;
  auto addr_port = [](const sockaddr_storage& ss, std::string& ip, std::uint16_t& port) {
    char buf[INET6_ADDRSTRLEN] = {};
    if (ss.ss_family == AF_INET6) {
      auto* s6 = reinterpret_cast<const sockaddr_in6*>(&ss);
      if (IN6_IS_ADDR_V4MAPPED(&s6->sin6_addr))
        ::inet_ntop(AF_INET, &s6->sin6_addr.s6_addr[12], buf, sizeof buf);
      else
        ::inet_ntop(AF_INET6, &s6->sin6_addr, buf, sizeof buf);
      port = ntohs(s6->sin6_port);
    } else {
      auto* s4 = reinterpret_cast<const sockaddr_in*>(&ss);
      ::inet_ntop(AF_INET, &s4->sin_addr, buf, sizeof buf);
      port = ntohs(s4->sin_port);
    }
    ip = buf;
  };
  addr_port(remote_, info.peer_ip, info.peer_port);
  sockaddr_storage local{};
  std::memcpy(&local, ep_->local(), ep_->local_len());
  addr_port(local, info.local_ip, info.local_port);
  info.tls = true;
  info.alpn = "h3";
  info.sni = tls_sni(tls_);
  info.listener = settings_.listener;
  static std::atomic<std::uint64_t> ids{1ull << 62};
  info.id = ids.fetch_add(1, std::memory_order_relaxed);
  app_ = ep_->host().make_application("h3", *this, std::move(info), ep_->executor(), settings_);
  if (!app_) return false;
  std::int64_t ctrl = -1, enc = -1, dec = -1;
  if (ngtcp2_conn_open_uni_stream(conn_, &ctrl, nullptr) != 0 ||
      ngtcp2_conn_open_uni_stream(conn_, &enc, nullptr) != 0 ||
      ngtcp2_conn_open_uni_stream(conn_, &dec, nullptr) != 0)
    return false;
  if (!app_->session().start(ctrl, enc, dec)) return false;
  app_->session().set_max_client_streams_bidi(
      ngtcp2_conn_get_local_transport_params(conn_)->initial_max_streams_bidi);
  return true;
}

void Connection::on_handshake_completed() {
  handshake_done_ = true;
  ep_->handshake_done(*this);
  auto& m = Metrics::get();
  bool early = (gnutls_session_get_flags(tls_) & GNUTLS_SFLAGS_EARLY_DATA) != 0;
  (early ? m.handshakes_0rtt : (gnutls_session_is_resumed(tls_) ? m.handshakes_resumed
                                                                : m.handshakes_1rtt))
      .inc();
  if (early) m.early_accepted.inc();
  if (gnutls_session_ticket_send(tls_, 1, 0) != 0) spdlog::debug("quic: no session ticket sent");
  // A token for the client's next connection (address validation without Retry).
  auto tok = ep_->group().tokens().make_regular(reinterpret_cast<const sockaddr*>(&remote_),
                                                remote_len_);
  if (!tok.empty()) ngtcp2_conn_submit_new_token(conn_, tok.data(), tok.size());
}

void Connection::on_client_hello(std::string_view msg) {
  // Key the 0-RTT replay guard on the ticket the client resumes with: one
  // ticket may carry a given early-data request once, whatever else
  // changes in the ClientHello. No ticket: no early data either.
  auto ticket = psk_identity(msg);
  auto key = ticket.empty() ? msg : ticket;
  hello_fp_ = XXH3_64bits(key.data(), key.size());
}

void Connection::consumed(std::int64_t sid, std::uint64_t n) {
  if (!conn_ || closed_ || n == 0) return;
  ngtcp2_conn_extend_max_stream_offset(conn_, sid, n);
  ngtcp2_conn_extend_max_offset(conn_, n);
  kick();
}

void Connection::shutdown_stream_read(std::int64_t sid, std::uint64_t code) {
  if (!conn_ || closed_) return;
  ngtcp2_conn_shutdown_stream_read(conn_, sid, code);
  kick();
}

void Connection::reset_stream(std::int64_t sid, std::uint64_t code) {
  if (!conn_ || closed_) return;
  ngtcp2_conn_shutdown_stream_write(conn_, sid, code);
  kick();
}

void Connection::stream_done(std::int64_t sid) {
  // The session forgot a request stream (QUIC closed it and its handler
  // let go): the client may open one more. Keeps streams still held by a
  // handler inside the QUIC stream limit.
  if (!conn_ || closed_) return;
  if (ngtcp2_is_bidi_stream(sid) && !ngtcp2_conn_is_local_stream(conn_, sid))
    ngtcp2_conn_extend_max_streams_bidi(conn_, 1);
  kick();
}

}  // namespace strata::quic
