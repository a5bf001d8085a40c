// HTTP/3 half of ClientConn: the nghttp3 client session on top of the
// ngtcp2 connection — control/QPACK streams, request submission, response
// callbacks and flow-control credit.
#include <algorithm>
#include <charconv>

#include "tools/quic_client/client_conn_impl.hpp"

namespace strata::tools::quic_client {

namespace {


std::string_view view(nghttp3_rcbuf* b) {
  const nghttp3_vec v = nghttp3_rcbuf_get_buf(b);
  return {reinterpret_cast<const char*>(v.base), v.len};
}

int h3_recv_data(nghttp3_conn*, int64_t id, const uint8_t* d, size_t n, void* ud, void*) {
  auto* m = impl_of(ud);
  if (auto it = m->streams.find(id); it != m->streams.end() && !it->second.done) {
    m->listener.on_body(id, {reinterpret_cast<const char*>(d), n});
    m->listener.on_data(id, n);
  }
  ngtcp2_conn_extend_max_stream_offset(m->conn, id, n);
  ngtcp2_conn_extend_max_offset(m->conn, n);
  return 0;
}

int h3_deferred_consume(nghttp3_conn*, int64_t id, size_t n, void* ud, void*) {
  auto* m = impl_of(ud);
  ngtcp2_conn_extend_max_stream_offset(m->conn, id, n);
  ngtcp2_conn_extend_max_offset(m->conn, n);
  return 0;
}

int h3_recv_header(nghttp3_conn*, int64_t id, int32_t token, nghttp3_rcbuf* name,
                   nghttp3_rcbuf* value, uint8_t, void* ud, void*) {
  auto* m = impl_of(ud);
  auto it = m->streams.find(id);
  if (it == m->streams.end()) return 0;
  const std::string_view v = view(value);
  if (token == NGHTTP3_QPACK_TOKEN__STATUS) {
    int code = 0;
    auto r = std::from_chars(v.data(), v.data() + v.size(), code);
    if (r.ec != std::errc() || code < 100 || code > 999) return NGHTTP3_ERR_CALLBACK_FAILURE;
    it->second.status = code;
  } else if (m->capture_headers && it->second.status >= 200) {
    m->listener.on_header(id, view(name), v);
  }
  return 0;
}

int h3_end_headers(nghttp3_conn*, int64_t id, int, void* ud, void*) {
  auto* m = impl_of(ud);
  auto it = m->streams.find(id);
  if (it == m->streams.end()) return 0;
  ReqStream& s = it->second;
  if (s.status < 200) {  // interim (1xx): wait for the final response
    s.status = 0;
    return 0;
  }
  if (!s.head) {
    s.head = true;
    m->listener.on_response_head(id, s.status);
  }
  return 0;
}

// The server finished the response (FIN): complete it now rather than when
// QUIC retires the stream (which also waits for our data to be acked).
int h3_end_stream(nghttp3_conn*, int64_t id, void* ud, void*) {
  auto* m = impl_of(ud);
  auto it = m->streams.find(id);
  if (it == m->streams.end() || it->second.done) return 0;
  it->second.done = true;
  m->listener.on_close(id, it->second.head ? 0 : NGHTTP3_H3_GENERAL_PROTOCOL_ERROR);
  m->want_writable = true;
  return 0;
}

int h3_stream_close(nghttp3_conn*, int64_t id, uint64_t code, void* ud, void*) {
  auto* m = impl_of(ud);
  if (!ngtcp2_is_bidi_stream(id)) {
    ngtcp2_conn_extend_max_streams_uni(m->conn, 1);
    return 0;
  }
  auto it = m->streams.find(id);
  if (it == m->streams.end()) return 0;
  if (!it->second.done)
    m->listener.on_close(id, code != NGHTTP3_H3_NO_ERROR ? code : NGHTTP3_H3_REQUEST_INCOMPLETE);
  m->streams.erase(it);
  m->want_writable = true;
  return 0;
}

int h3_stop_sending(nghttp3_conn*, int64_t id, uint64_t code, void* ud, void*) {
  return ngtcp2_conn_shutdown_stream_read(impl_of(ud)->conn, id, code) == 0
             ? 0
             : NGHTTP3_ERR_CALLBACK_FAILURE;
}

int h3_reset_stream(nghttp3_conn*, int64_t id, uint64_t code, void* ud, void*) {
  return ngtcp2_conn_shutdown_stream_write(impl_of(ud)->conn, id, code) == 0
             ? 0
             : NGHTTP3_ERR_CALLBACK_FAILURE;
}

int h3_shutdown(nghttp3_conn*, int64_t, void* ud) {
  impl_of(ud)->goaway = true;  // GOAWAY: no new requests on this connection
  return 0;
}

// A submit_streaming() body: hands out the queued chunks not yet handed;
// WOULDBLOCK until send_body() queues more or ends it.
nghttp3_ssize read_streamed(ReqStream& s, nghttp3_vec* vec, size_t veccnt, uint32_t* pflags) {
  size_t k = 0;
  for (; k < veccnt && s.handed < s.out.size(); ++k, ++s.handed) {
    std::string& c = s.out[s.handed];
    vec[k].base = reinterpret_cast<uint8_t*>(c.data());
    vec[k].len = c.size();
  }
  if (s.handed == s.out.size() && s.fin) *pflags |= NGHTTP3_DATA_FLAG_EOF;
  if (k == 0 && !s.fin) return NGHTTP3_ERR_WOULDBLOCK;
  return nghttp3_ssize(k);
}

// nghttp3 no longer needs the first n acknowledged body bytes.
int h3_acked_body(nghttp3_conn*, int64_t id, uint64_t n, void* ud, void*) {
  auto* m = impl_of(ud);
  auto it = m->streams.find(id);
  if (it == m->streams.end() || !it->second.streaming) return 0;
  ReqStream& s = it->second;
  s.acked += n;
  while (s.handed > 0 && !s.out.empty() && s.acked >= s.out.front().size()) {
    s.acked -= s.out.front().size();
    s.out.pop_front();
    --s.handed;
  }
  return 0;
}

nghttp3_ssize read_body(nghttp3_conn*, int64_t id, nghttp3_vec* vec, size_t veccnt,
                        uint32_t* pflags, void* ud, void*) {
  auto* m = impl_of(ud);
  auto it = m->streams.find(id);
  if (it != m->streams.end() && it->second.streaming)
    return read_streamed(it->second, vec, veccnt, pflags);
  *pflags |= NGHTTP3_DATA_FLAG_EOF;
  if (it == m->streams.end() || it->second.body.empty() || veccnt == 0) return 0;
  vec[0].base = reinterpret_cast<uint8_t*>(const_cast<char*>(it->second.body.data()));
  vec[0].len = it->second.body.size();
  return 1;
}

}  // namespace

bool ClientConn::Impl::setup_h3() {
  if (h3) return true;
  if (ngtcp2_conn_get_max_local_streams_uni(conn) < 3) {
    error = "the server allows fewer than 3 unidirectional streams";
    return false;
  }
  nghttp3_callbacks cb{};
  cb.stream_close = h3_stream_close;
  cb.recv_data = h3_recv_data;
  cb.deferred_consume = h3_deferred_consume;
  cb.recv_header = h3_recv_header;
  cb.end_headers = h3_end_headers;
  cb.stop_sending = h3_stop_sending;
  cb.end_stream = h3_end_stream;
  cb.reset_stream = h3_reset_stream;
  cb.shutdown = h3_shutdown;
  cb.acked_stream_data = h3_acked_body;
  nghttp3_settings s;
  nghttp3_settings_default(&s);
  s.qpack_max_dtable_capacity = 4096;
  s.qpack_blocked_streams = 100;
  if (nghttp3_conn_client_new(&h3, &cb, &s, nghttp3_mem_default(), this) != 0) {
    h3 = nullptr;
    error = "nghttp3_conn_client_new failed";
    return false;
  }
  std::int64_t ctrl = -1, enc = -1, dec = -1;
  if (ngtcp2_conn_open_uni_stream(conn, &ctrl, nullptr) != 0 ||
      nghttp3_conn_bind_control_stream(h3, ctrl) != 0 ||
      ngtcp2_conn_open_uni_stream(conn, &enc, nullptr) != 0 ||
      ngtcp2_conn_open_uni_stream(conn, &dec, nullptr) != 0 ||
      nghttp3_conn_bind_qpack_streams(h3, enc, dec) != 0) {
    error = "cannot open the HTTP/3 control and QPACK streams";
    return false;
  }
  return true;
}

void ClientConn::Impl::drop_h3() {
  // 0-RTT was rejected: ngtcp2 forgets the early streams; report each
  // request so its owner can submit it again.
  auto pending = std::move(streams);
  streams.clear();
  uni_peek.clear();
  for (auto& [id, s] : pending)
    if (!s.done) listener.on_close(id, kEarlyDataRejected);
  if (h3) nghttp3_conn_del(h3);
  h3 = nullptr;
  early = false;
  info.early_data_accepted = false;
}

int ClientConn::Impl::on_stream_data(std::uint32_t flags, std::int64_t id, const std::uint8_t* d,
                                     std::size_t n) {
  if (!h3) return 0;
  if (peer_connect_protocol < 0 && !ngtcp2_is_bidi_stream(id) && (id & 1)) peek_settings(id, d, n);
  const nghttp3_ssize used =
      nghttp3_conn_read_stream(h3, id, d, n, (flags & NGTCP2_STREAM_DATA_FLAG_FIN) ? 1 : 0);
  if (used < 0) {
    ngtcp2_connection_close_error_set_application_error(
        &last_error, nghttp3_err_infer_quic_app_error_code(int(used)), nullptr, 0);
    error = std::string("HTTP/3: ") + nghttp3_strerror(int(used));
    return -1;
  }
  ngtcp2_conn_extend_max_stream_offset(conn, id, std::uint64_t(used));
  ngtcp2_conn_extend_max_offset(conn, std::uint64_t(used));
  return 0;
}

int ClientConn::Impl::on_stream_close(std::uint64_t flags, std::int64_t id, std::uint64_t code) {
  if (!(flags & NGTCP2_STREAM_CLOSE_FLAG_APP_ERROR_CODE_SET)) code = NGHTTP3_H3_NO_ERROR;
  if (!h3) return 0;
  const int rv = nghttp3_conn_close_stream(h3, id, code);
  if (rv == 0) return 0;
  if (rv == NGHTTP3_ERR_STREAM_NOT_FOUND) {
    // Opened but never carried data.
    if (!ngtcp2_is_bidi_stream(id)) ngtcp2_conn_extend_max_streams_uni(conn, 1);
    if (auto it = streams.find(id); it != streams.end()) {
      if (!it->second.done) listener.on_close(id, code ? code : NGHTTP3_H3_REQUEST_INCOMPLETE);
      streams.erase(it);
      want_writable = true;
    }
    return 0;
  }
  ngtcp2_connection_close_error_set_application_error(
      &last_error, nghttp3_err_infer_quic_app_error_code(rv), nullptr, 0);
  return -1;
}

int ClientConn::Impl::on_stream_reset(std::int64_t id) {
  if (!h3) return 0;
  return nghttp3_conn_shutdown_stream_read(h3, id) == 0 ? 0 : -1;
}

int ClientConn::Impl::on_acked(std::int64_t id, std::uint64_t n) {
  if (!h3) return 0;
  return nghttp3_conn_add_ack_offset(h3, id, n) == 0 ? 0 : -1;
}

int ClientConn::Impl::on_extend_stream_data(std::int64_t id) {
  if (!h3) return 0;
  return nghttp3_conn_unblock_stream(h3, id) == 0 ? 0 : -1;
}

std::int64_t ClientConn::Impl::submit(
    std::span<const std::pair<std::string_view, std::string_view>> hs, std::string_view body,
    bool streaming) {
  std::int64_t id = -1;
  if (ngtcp2_conn_open_bidi_stream(conn, &id, nullptr) != 0) return -1;
  std::vector<nghttp3_nv> nva;
  nva.reserve(hs.size());
  for (auto& [n, v] : hs)
    nva.push_back({reinterpret_cast<uint8_t*>(const_cast<char*>(n.data())),
                   reinterpret_cast<uint8_t*>(const_cast<char*>(v.data())), n.size(), v.size(),
                   NGHTTP3_NV_FLAG_NONE});
  ReqStream& s = streams[id];
  s.body = body;
  s.streaming = streaming;
  s.early = !handshake_done;
  nghttp3_data_reader dr{read_body};
  if (nghttp3_conn_submit_request(h3, id, nva.data(), nva.size(),
                                  body.empty() && !streaming ? nullptr : &dr, nullptr) != 0) {
    streams.erase(id);
    ngtcp2_conn_shutdown_stream(conn, id, NGHTTP3_H3_INTERNAL_ERROR);
    return -1;
  }
  return id;
}

namespace {

// One QUIC variable-length integer (RFC 9000 §16) at `p`; false if short.
bool varint(std::string_view b, std::size_t& p, std::uint64_t& v) {
  if (p >= b.size()) return false;
  const std::size_t len = std::size_t(1) << (std::uint8_t(b[p]) >> 6);
  if (p + len > b.size()) return false;
  v = std::uint8_t(b[p]) & 0x3f;
  for (std::size_t i = 1; i < len; ++i) v = (v << 8) | std::uint8_t(b[p + i]);
  p += len;
  return true;
}

}  // namespace

// nghttp3 0.8 does not expose the peer's SETTINGS, so read the first frame
// of the server's control stream (type 0x00) ourselves: SETTINGS (0x04),
// looking for SETTINGS_ENABLE_CONNECT_PROTOCOL (0x08).
void ClientConn::Impl::peek_settings(std::int64_t id, const std::uint8_t* d, std::size_t n) {
  std::string& b = uni_peek[id];
  if (n == 0 || (!b.empty() && b[0] != 0)) return;  // not the control stream (type byte kept)
  if (d[0] != 0 && b.empty()) {
    b.assign(1, '\x01');
    return;
  }
  if (b.size() >= 4096) return;
  b.append(reinterpret_cast<const char*>(d), std::min<std::size_t>(n, 4096 - b.size()));
  std::size_t p = 1;  // past the stream type 0x00
  std::uint64_t ftype = 0, len = 0;
  if (!varint(b, p, ftype) || !varint(b, p, len) || p + len > b.size()) return;
  int value = 0;
  if (ftype == 0x04) {
    const std::string_view body = std::string_view(b).substr(p, len);
    std::size_t q = 0;
    std::uint64_t k = 0, v = 0;
    while (varint(body, q, k) && varint(body, q, v))
      if (k == 0x08) value = v == 1 ? 1 : 0;
  }
  peer_connect_protocol = value;
  uni_peek.clear();
  want_writable = true;
}

std::int64_t ClientConn::submit_streaming(
    std::span<const std::pair<std::string_view, std::string_view>> headers) {
  return can_submit() ? impl_->submit(headers, {}, true) : -1;
}

bool ClientConn::send_body(std::int64_t stream, std::string_view data, bool fin) {
  Impl& m = *impl_;
  auto it = m.streams.find(stream);
  if (it == m.streams.end() || !it->second.streaming || it->second.fin || !m.h3) return false;
  if (!data.empty()) it->second.out.emplace_back(data);
  it->second.fin = fin;
  return nghttp3_conn_resume_stream(m.h3, stream) == 0;
}

int ClientConn::peer_enable_connect_protocol() const { return impl_->peer_connect_protocol; }

}  // namespace strata::tools::quic_client
