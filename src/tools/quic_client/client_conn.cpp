// QUIC half of ClientConn: the UDP socket, the ngtcp2 client connection,
// packet I/O and the expiry timer. HTTP/3 lives in client_h3.cpp.
#include <cerrno>
#include <cstring>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <fmt/format.h>
#include <gnutls/crypto.h>
#include <ngtcp2/ngtcp2_crypto_gnutls.h>

#include "io/udp.hpp"
#include "tools/quic_client/client_conn_impl.hpp"

namespace strata::tools::quic_client {

namespace asio = boost::asio;
using clock_type = std::chrono::steady_clock;

namespace {


ngtcp2_conn* get_conn(ngtcp2_crypto_conn_ref* ref) { return impl_of(ref->user_data)->conn; }

void rand_cb(uint8_t* dest, size_t len, const ngtcp2_rand_ctx*) {
  gnutls_rnd(GNUTLS_RND_RANDOM, dest, len);
}

int get_new_cid(ngtcp2_conn*, ngtcp2_cid* cid, uint8_t* token, size_t cidlen, void*) {
  if (gnutls_rnd(GNUTLS_RND_RANDOM, cid->data, cidlen) != 0) return NGTCP2_ERR_CALLBACK_FAILURE;
  cid->datalen = cidlen;
  if (gnutls_rnd(GNUTLS_RND_RANDOM, token, NGTCP2_STATELESS_RESET_TOKENLEN) != 0)
    return NGTCP2_ERR_CALLBACK_FAILURE;
  return 0;
}

int handshake_completed_cb(ngtcp2_conn*, void* ud) {
  return impl_of(ud)->on_handshake_completed() ? 0 : NGTCP2_ERR_CALLBACK_FAILURE;
}

int recv_stream_data_cb(ngtcp2_conn*, uint32_t flags, int64_t id, uint64_t, const uint8_t* d,
                        size_t n, void* ud, void*) {
  return impl_of(ud)->on_stream_data(flags, id, d, n) == 0 ? 0 : NGTCP2_ERR_CALLBACK_FAILURE;
}

int acked_cb(ngtcp2_conn*, int64_t id, uint64_t, uint64_t n, void* ud, void*) {
  return impl_of(ud)->on_acked(id, n) == 0 ? 0 : NGTCP2_ERR_CALLBACK_FAILURE;
}

int stream_close_cb(ngtcp2_conn*, uint32_t flags, int64_t id, uint64_t code, void* ud, void*) {
  return impl_of(ud)->on_stream_close(flags, id, code) == 0 ? 0 : NGTCP2_ERR_CALLBACK_FAILURE;
}

int stream_reset_cb(ngtcp2_conn*, int64_t id, uint64_t, uint64_t, void* ud, void*) {
  return impl_of(ud)->on_stream_reset(id) == 0 ? 0 : NGTCP2_ERR_CALLBACK_FAILURE;
}

int stop_sending_cb(ngtcp2_conn*, int64_t id, uint64_t, void* ud, void*) {
  return impl_of(ud)->on_stream_reset(id) == 0 ? 0 : NGTCP2_ERR_CALLBACK_FAILURE;
}

int extend_streams_cb(ngtcp2_conn*, uint64_t, void* ud) {
  impl_of(ud)->want_writable = true;
  return 0;
}

int extend_stream_data_cb(ngtcp2_conn*, int64_t id, uint64_t, void* ud, void*) {
  return impl_of(ud)->on_extend_stream_data(id) == 0 ? 0 : NGTCP2_ERR_CALLBACK_FAILURE;
}

int recv_rx_key_cb(ngtcp2_conn* conn, ngtcp2_crypto_level level, void* ud) {
  if (level != NGTCP2_CRYPTO_LEVEL_APPLICATION) return 0;
  auto* m = impl_of(ud);
  if (m->early && !ngtcp2_conn_get_early_data_rejected(conn)) return 0;  // h3 already up
  return m->setup_h3() ? 0 : NGTCP2_ERR_CALLBACK_FAILURE;
}

int early_data_rejected_cb(ngtcp2_conn*, void* ud) {
  impl_of(ud)->drop_h3();
  return 0;
}

std::string describe_close(const ngtcp2_connection_close_error& e) {
  const char* kind = e.type == NGTCP2_CONNECTION_CLOSE_ERROR_CODE_TYPE_APPLICATION
                         ? "application"
                         : "transport";
  std::string reason(reinterpret_cast<const char*>(e.reason), e.reasonlen);
  return fmt::format("connection closed by the server ({} error 0x{:x}{}{})", kind, e.error_code,
                     reason.empty() ? "" : ": ", reason);
}

}  // namespace

ClientConn::Impl::Impl(asio::any_io_executor e, const ClientOptions& o, ClientTls& t,
                       ResponseListener& l)
    : ex(e), opt(o), tls(t), listener(l), sock(e), timer(e) {
  ngtcp2_connection_close_error_default(&last_error);
}

ClientConn::Impl::~Impl() {
  if (h3) nghttp3_conn_del(h3);
  if (conn) ngtcp2_conn_del(conn);
  if (session) gnutls_deinit(session);
}

bool ClientConn::Impl::init(const asio::ip::udp::endpoint& r) {
  remote = r;
  boost::system::error_code ec;
  sock.open(r.protocol(), ec);
  if (!ec) sock.connect(r, ec);
  if (!ec) local = sock.local_endpoint(ec);
  if (!ec) sock.non_blocking(true, ec);
  if (!ec) io::set_udp_buffers(sock.native_handle(), 8 << 20);
  if (ec) {
    error = "udp socket: " + ec.message();
    return false;
  }
  conn_ref.get_conn = get_conn;
  conn_ref.user_data = this;

  ngtcp2_callbacks cb{};
  cb.client_initial = ngtcp2_crypto_client_initial_cb;
  cb.recv_crypto_data = ngtcp2_crypto_recv_crypto_data_cb;
  cb.handshake_completed = handshake_completed_cb;
  cb.encrypt = ngtcp2_crypto_encrypt_cb;
  cb.decrypt = ngtcp2_crypto_decrypt_cb;
  cb.hp_mask = ngtcp2_crypto_hp_mask_cb;
  cb.recv_stream_data = recv_stream_data_cb;
  cb.acked_stream_data_offset = acked_cb;
  cb.stream_close = stream_close_cb;
  cb.recv_retry = ngtcp2_crypto_recv_retry_cb;
  cb.extend_max_local_streams_bidi = extend_streams_cb;
  cb.rand = rand_cb;
  cb.get_new_connection_id = get_new_cid;
  cb.update_key = ngtcp2_crypto_update_key_cb;
  cb.stream_reset = stream_reset_cb;
  cb.extend_max_stream_data = extend_stream_data_cb;
  cb.delete_crypto_aead_ctx = ngtcp2_crypto_delete_crypto_aead_ctx_cb;
  cb.delete_crypto_cipher_ctx = ngtcp2_crypto_delete_crypto_cipher_ctx_cb;
  cb.get_path_challenge_data = ngtcp2_crypto_get_path_challenge_data_cb;
  cb.stream_stop_sending = stop_sending_cb;
  cb.version_negotiation = ngtcp2_crypto_version_negotiation_cb;
  cb.recv_rx_key = recv_rx_key_cb;
  cb.early_data_rejected = early_data_rejected_cb;

  ngtcp2_cid scid, dcid;
  scid.datalen = 17;
  dcid.datalen = 18;
  gnutls_rnd(GNUTLS_RND_RANDOM, scid.data, scid.datalen);
  gnutls_rnd(GNUTLS_RND_RANDOM, dcid.data, dcid.datalen);

  ngtcp2_settings settings;
  ngtcp2_settings_default(&settings);
  settings.initial_ts = now_ts();
  settings.handshake_timeout = ngtcp2_duration(opt.handshake_timeout.count());
  settings.max_window = opt.max_conn_window;
  settings.max_stream_window = opt.max_stream_window;
  // One ACK per ack_thresh ack-eliciting packets (or max_ack_delay).
  settings.ack_thresh = opt.ack_thresh;

  ngtcp2_transport_params params;
  ngtcp2_transport_params_default(&params);
  params.initial_max_stream_data_bidi_local = opt.stream_window;
  params.initial_max_stream_data_bidi_remote = opt.stream_window;
  params.initial_max_stream_data_uni = opt.stream_window;
  params.initial_max_data = opt.conn_window;
  params.initial_max_streams_bidi = 0;  // servers open no request streams
  params.initial_max_streams_uni = 16;  // control + QPACK (+ room)
  params.max_idle_timeout = ngtcp2_duration(opt.idle_timeout.count());
  params.active_connection_id_limit = 7;

  ngtcp2_path path{{const_cast<sockaddr*>(local.data()), ngtcp2_socklen(local.size())},
                   {const_cast<sockaddr*>(remote.data()), ngtcp2_socklen(remote.size())},
                   nullptr};
  int rv = ngtcp2_conn_client_new(&conn, &dcid, &scid, &path, NGTCP2_PROTO_VER_V1, &cb,
                                  &settings, &params, nullptr, this);
  if (rv != 0) {
    conn = nullptr;
    error = std::string("ngtcp2_conn_client_new: ") + ngtcp2_strerror(rv);
    return false;
  }
  session = tls.new_session(opt.sni, &conn_ref, resuming, error);
  if (!session) return false;
  ngtcp2_conn_set_tls_native_handle(conn, session);

  if (resuming && opt.early_data && tls.params()) {
    const RememberedParams& p = *tls.params();
    ngtcp2_transport_params ep;
    ngtcp2_transport_params_default(&ep);
    ep.initial_max_stream_data_bidi_local = p.initial_max_stream_data_bidi_local;
    ep.initial_max_stream_data_bidi_remote = p.initial_max_stream_data_bidi_remote;
    ep.initial_max_stream_data_uni = p.initial_max_stream_data_uni;
    ep.initial_max_data = p.initial_max_data;
    ep.initial_max_streams_bidi = p.initial_max_streams_bidi;
    ep.initial_max_streams_uni = p.initial_max_streams_uni;
    ep.active_connection_id_limit = p.active_connection_id_limit;
    ep.max_datagram_frame_size = p.max_datagram_frame_size;
    ngtcp2_conn_set_early_remote_transport_params(conn, &ep);
    if (setup_h3()) {
      early = true;
      info.early_data_attempted = true;
      want_writable = true;
    }
  }
  return true;
}

void ClientConn::Impl::remember_params() {
  const ngtcp2_transport_params* p = ngtcp2_conn_get_remote_transport_params(conn);
  if (!p) return;
  RememberedParams r;
  r.initial_max_stream_data_bidi_local = p->initial_max_stream_data_bidi_local;
  r.initial_max_stream_data_bidi_remote = p->initial_max_stream_data_bidi_remote;
  r.initial_max_stream_data_uni = p->initial_max_stream_data_uni;
  r.initial_max_data = p->initial_max_data;
  r.initial_max_streams_bidi = p->initial_max_streams_bidi;
  r.initial_max_streams_uni = p->initial_max_streams_uni;
  r.active_connection_id_limit = p->active_connection_id_limit;
  r.max_datagram_frame_size = p->max_datagram_frame_size;
  tls.store_params(r);
}

bool ClientConn::Impl::on_handshake_completed() {
  handshake_done = true;
  info.time = clock_type::now() - started;
  const TlsFacts f = tls_facts(session);
  info.tls_version = f.version;
  info.cipher = f.cipher;
  info.alpn = f.alpn;
  info.resumed = f.resumed;
  info.early_data_accepted = early && f.early_data_accepted;
  if (early && !f.early_data_accepted) {
    // GnuTLS reports the rejection only now: drop the 0-RTT streams (the
    // early_data_rejected callback) and start HTTP/3 afresh.
    if (ngtcp2_conn_early_data_rejected(conn) != 0) return false;
    if (!setup_h3()) return false;
  }
  remember_params();
  listener.on_handshake(info);
  want_writable = true;
  return true;
}

void ClientConn::Impl::notify_writable() {
  if (want_writable && !closed) {
    want_writable = false;
    listener.on_writable();
  }
}

void ClientConn::Impl::feed(const std::uint8_t* data, std::size_t n) {
  bytes_in += n;
  ngtcp2_path path{{const_cast<sockaddr*>(local.data()), ngtcp2_socklen(local.size())},
                   {const_cast<sockaddr*>(remote.data()), ngtcp2_socklen(remote.size())},
                   nullptr};
  ngtcp2_pkt_info pi{};
  const int rv = ngtcp2_conn_read_pkt(conn, &path, &pi, data, n, now_ts());
  if (rv == 0) return;
  if (rv == NGTCP2_ERR_DRAINING) {
    ngtcp2_connection_close_error e;
    ngtcp2_conn_get_connection_close_error(conn, &e);
    error = describe_close(e);
    finish();
    return;
  }
  if (rv == NGTCP2_ERR_CRYPTO) {
    ngtcp2_connection_close_error_set_transport_error_tls_alert(
        &last_error, ngtcp2_conn_get_tls_alert(conn), nullptr, 0);
    fail(fmt::format("TLS handshake failed (alert {})", ngtcp2_conn_get_tls_alert(conn)));
    return;
  }
  if (last_error.error_code == 0)
    ngtcp2_connection_close_error_set_transport_error_liberr(&last_error, rv, nullptr, 0);
  fail(std::string("QUIC: ") + ngtcp2_strerror(rv));
}

void ClientConn::Impl::write_packets() {
  if (closed || !conn) return;
  ngtcp2_path_storage ps;
  ngtcp2_path_storage_zero(&ps);
  const std::size_t max_udp =
      std::min<std::size_t>(ngtcp2_conn_get_max_tx_udp_payload_size(conn), txbuf.size());
  const std::size_t max_pkts =
      std::clamp<std::size_t>(ngtcp2_conn_get_send_quantum(conn) / max_udp, 1, 64);
  const ngtcp2_tstamp ts = now_ts();
  std::size_t pkts = 0;
  for (;;) {
    std::int64_t sid = -1;
    int fin = 0;
    std::array<nghttp3_vec, 16> vec;
    nghttp3_ssize cnt = 0;
    if (h3 && ngtcp2_conn_get_max_data_left(conn)) {
      cnt = nghttp3_conn_writev_stream(h3, &sid, &fin, vec.data(), vec.size());
      if (cnt < 0) {
        ngtcp2_connection_close_error_set_application_error(
            &last_error, nghttp3_err_infer_quic_app_error_code(int(cnt)), nullptr, 0);
        fail(std::string("HTTP/3: ") + nghttp3_strerror(int(cnt)));
        return;
      }
    }
    std::uint32_t flags = NGTCP2_WRITE_STREAM_FLAG_MORE;
    if (fin) flags |= NGTCP2_WRITE_STREAM_FLAG_FIN;
    ngtcp2_ssize ndatalen = -1;
    ngtcp2_pkt_info pi{};
    const ngtcp2_ssize nwrite =
        ngtcp2_conn_writev_stream(conn, &ps.path, &pi, txbuf.data(), max_udp, &ndatalen, flags,
                                  sid, reinterpret_cast<const ngtcp2_vec*>(vec.data()),
                                  std::size_t(cnt), ts);
    if (nwrite < 0) {
      int rv = 0;
      switch (nwrite) {
        case NGTCP2_ERR_STREAM_DATA_BLOCKED:
          nghttp3_conn_block_stream(h3, sid);
          continue;
        case NGTCP2_ERR_STREAM_SHUT_WR:
          nghttp3_conn_shutdown_stream_write(h3, sid);
          continue;
        case NGTCP2_ERR_WRITE_MORE:
          rv = nghttp3_conn_add_write_offset(h3, sid, std::size_t(ndatalen));
          if (rv == 0) continue;
          ngtcp2_connection_close_error_set_application_error(
              &last_error, nghttp3_err_infer_quic_app_error_code(rv), nullptr, 0);
          fail(std::string("HTTP/3: ") + nghttp3_strerror(rv));
          return;
        default:
          ngtcp2_connection_close_error_set_transport_error_liberr(&last_error, int(nwrite),
                                                                   nullptr, 0);
          fail(std::string("QUIC write: ") + ngtcp2_strerror(int(nwrite)));
          return;
      }
    }
    if (ndatalen >= 0 && h3) {
      if (const int rv = nghttp3_conn_add_write_offset(h3, sid, std::size_t(ndatalen)); rv != 0) {
        fail(std::string("HTTP/3: ") + nghttp3_strerror(rv));
        return;
      }
    }
    if (nwrite == 0) {  // nothing more (or congestion limited)
      ngtcp2_conn_update_pkt_tx_time(conn, ts);
      return;
    }
    boost::system::error_code ec;
    sock.send(asio::buffer(txbuf.data(), std::size_t(nwrite)), 0, ec);
    if (ec == asio::error::would_block || ec == asio::error::try_again) {
      // The packet is lost to us; QUIC loss recovery resends its frames.
      // Resume writing when the socket drains.
      ngtcp2_conn_update_pkt_tx_time(conn, ts);
      if (!send_blocked) {
        send_blocked = true;
        sock.async_wait(asio::socket_base::wait_write, [this, alive = std::weak_ptr<int>(life)](
                                                           boost::system::error_code e) {
          if (alive.expired()) return;  // the connection is gone
          send_blocked = false;
          if (!e && !closed) {
            write_packets();
            update_timer();
          }
        });
      }
      return;
    }
    if (ec && ec != asio::error::connection_refused) {
      fail("udp send: " + ec.message());
      return;
    }
    if (++pkts >= max_pkts) {  // paced: the expiry timer resumes
      ngtcp2_conn_update_pkt_tx_time(conn, ts);
      return;
    }
  }
}

void ClientConn::Impl::update_timer() {
  if (closed || !conn) return;
  const ngtcp2_tstamp exp = ngtcp2_conn_get_expiry(conn);
  // Lazy: a later expiry leaves the pending wait alone (it fires early and
  // the ticker re-arms); only an earlier one moves the timer. Re-arming on
  // every packet costs a timerfd_settime each time.
  if (exp >= armed_expiry) return;
  armed_expiry = exp;
  if (exp == UINT64_MAX)
    timer.expires_at(clock_type::time_point::max());
  else
    timer.expires_at(clock_type::time_point(std::chrono::nanoseconds(exp)));
}

void ClientConn::Impl::on_expiry() {
  const int rv = ngtcp2_conn_handle_expiry(conn, now_ts());
  armed_expiry = UINT64_MAX;  // the timer fired: the next update_timer arms it
  if (rv != 0) {
    if (rv == NGTCP2_ERR_IDLE_CLOSE) {
      error = "idle timeout";
      finish();
    } else if (rv == NGTCP2_ERR_HANDSHAKE_TIMEOUT) {
      error = "QUIC handshake timeout";
      finish();
    } else {
      ngtcp2_connection_close_error_set_transport_error_liberr(&last_error, rv, nullptr, 0);
      fail(std::string("QUIC: ") + ngtcp2_strerror(rv));
    }
    return;
  }
  notify_writable();
  write_packets();
  update_timer();
}

void ClientConn::Impl::send_close() {
  if (!conn || ngtcp2_conn_is_in_closing_period(conn) || ngtcp2_conn_is_in_draining_period(conn))
    return;
  ngtcp2_path_storage ps;
  ngtcp2_path_storage_zero(&ps);
  ngtcp2_pkt_info pi{};
  const ngtcp2_ssize n = ngtcp2_conn_write_connection_close(
      conn, &ps.path, &pi, txbuf.data(), txbuf.size(), &last_error, now_ts());
  if (n > 0) {
    boost::system::error_code ec;
    sock.send(asio::buffer(txbuf.data(), std::size_t(n)), 0, ec);
  }
}

void ClientConn::Impl::fail(std::string why) {
  if (closed) return;
  if (error.empty()) error = std::move(why);
  send_close();
  finish();
}

void ClientConn::Impl::finish() {
  if (closed) return;
  closed = true;
  boost::system::error_code ig;
  timer.cancel();
  sock.close(ig);
}

// ---- ClientConn

ClientConn::ClientConn(asio::any_io_executor ex, const ClientOptions& opt, ClientTls& tls,
                       ResponseListener& l)
    : impl_(std::make_unique<Impl>(std::move(ex), opt, tls, l)) {}

ClientConn::~ClientConn() = default;

asio::awaitable<void> ClientConn::run(asio::ip::udp::endpoint remote) {
  using namespace asio::experimental::awaitable_operators;
  Impl& m = *impl_;
  m.started = clock_type::now();
  if (!m.init(remote)) {
    m.finish();
    co_return;
  }
  m.notify_writable();  // 0-RTT: requests go out with the first flight
  m.write_packets();
  m.update_timer();

  auto reader = [&m]() -> asio::awaitable<void> {
    // recvmmsg batches: a download brings tens of thousands of datagrams.
    // With GRO a read brings a whole run of the server's datagrams.
    const bool gro = io::enable_udp_gro(m.sock.native_handle());
    io::RecvBatch batch(gro ? 16 : 32, gro ? io::kGroBufferSize : 4096);
    while (!m.closed) {
      auto [ec] = co_await m.sock.async_wait(asio::ip::udp::socket::wait_read,
                                             asio::as_tuple(asio::use_awaitable));
      if (m.closed) break;
      if (ec) {
        m.fail("udp receive: " + ec.message());
        break;
      }
      // Whatever already arrived, without waiting (bounded).
      for (int round = 0; round < 4 && !m.closed; ++round) {
        int err = 0;
        auto got = batch.receive(m.sock.native_handle(), &err);
        if (err) {
          m.fail(err == ECONNREFUSED ? std::string("connection refused (no QUIC listener)")
                                     : "udp receive: " + std::string(std::strerror(err)));
          break;
        }
        if (got.empty()) break;
        for (auto& d : got) {
          if (m.closed) break;
          m.feed(d.data.data(), d.data.size());
        }
      }
      if (m.closed) break;
      m.notify_writable();
      m.write_packets();
      m.update_timer();
    }
  };
  auto ticker = [&m]() -> asio::awaitable<void> {
    while (!m.closed) {
      auto [ec] = co_await m.timer.async_wait(asio::as_tuple(asio::use_awaitable));
      if (m.closed) break;
      if (ec || m.timer.expiry() > clock_type::now()) continue;  // re-armed meanwhile
      const ngtcp2_tstamp exp = ngtcp2_conn_get_expiry(m.conn);
      if (exp > now_ts()) {  // fired early (lazy re-arm) or nothing due: wait on
        m.armed_expiry = exp;
        m.timer.expires_at(exp == UINT64_MAX
                               ? clock_type::time_point::max()
                               : clock_type::time_point(std::chrono::nanoseconds(exp)));
        continue;
      }
      m.on_expiry();
    }
  };
  co_await (reader() && ticker());
}

bool ClientConn::can_submit() const {
  const Impl& m = *impl_;
  return m.h3 && !m.closed && !m.goaway && ngtcp2_conn_get_streams_bidi_left(m.conn) > 0;
}

std::uint64_t ClientConn::streams_left() const {
  return impl_->conn && !impl_->closed ? ngtcp2_conn_get_streams_bidi_left(impl_->conn) : 0;
}

std::int64_t ClientConn::submit(
    std::span<const std::pair<std::string_view, std::string_view>> headers, std::string_view body) {
  return can_submit() ? impl_->submit(headers, body) : -1;
}

void ClientConn::flush() {
  impl_->write_packets();
  impl_->update_timer();
}

void ClientConn::close() {
  Impl& m = *impl_;
  if (m.closed) return;
  ngtcp2_connection_close_error_set_application_error(&m.last_error, NGHTTP3_H3_NO_ERROR,
                                                      nullptr, 0);
  m.send_close();
  m.finish();
}

void ClientConn::set_capture_headers(bool on) { impl_->capture_headers = on; }
bool ClientConn::handshake_done() const { return impl_->handshake_done; }
bool ClientConn::goaway_received() const { return impl_->goaway; }
bool ClientConn::closed() const { return impl_->closed; }
const std::string& ClientConn::error() const { return impl_->error; }
bool ClientConn::failed_in_handshake() const { return impl_->closed && !impl_->handshake_done; }
std::uint64_t ClientConn::bytes_received() const { return impl_->bytes_in; }
const HandshakeInfo& ClientConn::handshake_info() const { return impl_->info; }

std::chrono::nanoseconds ClientConn::min_rtt() const {
  if (!impl_->conn) return std::chrono::nanoseconds(0);
  ngtcp2_conn_stat st;
  ngtcp2_conn_get_conn_stat(impl_->conn, &st);
  return st.min_rtt == UINT64_MAX ? std::chrono::nanoseconds(0)
                                  : std::chrono::nanoseconds(std::int64_t(st.min_rtt));
}

std::vector<std::string> ClientConn::peer_certificates() const {
  std::vector<std::string> out;
  if (!impl_->session) return out;
  unsigned n = 0;
  const gnutls_datum_t* certs = gnutls_certificate_get_peers(impl_->session, &n);
  for (unsigned i = 0; certs && i < n; ++i)
    out.emplace_back(reinterpret_cast<const char*>(certs[i].data), certs[i].size);
  return out;
}

}  // namespace strata::tools::quic_client
