// nghttp3 callbacks of http3::ServerSession (see server_session.hpp).
#include "codec/http3/server_session_internal.hpp"

namespace strata::codec::http3 {

// The nghttp3 C callbacks, with access to the session's internals. They
// never fail the connection for bad peer input: nghttp3 reports that
// through read_stream's return value.
struct Callbacks {
  static ServerSession& self(void* u) { return *static_cast<ServerSession*>(u); }

  static std::string_view view(nghttp3_rcbuf* b) {
    nghttp3_vec v = nghttp3_rcbuf_get_buf(b);
    return {reinterpret_cast<const char*>(v.base), v.len};
  }

  static int acked_stream_data(nghttp3_conn*, int64_t sid, uint64_t n, void* u, void*) {
    auto& me = self(u);
    auto* s = me.find(sid);
    if (!s) return 0;
    s->out.ack(n);
    if (n > 0) me.wake(*s);
    return 0;
  }

  static int stream_close(nghttp3_conn*, int64_t sid, uint64_t code, void* u, void*) {
    auto& me = self(u);
    auto* s = me.find(sid);
    if (!s) {
      me.quic_.stream_done(sid);
      return 0;
    }
    s->closed = true;
    s->close_code = code;
    // nghttp3 forgets the stream: nothing points into the response buffer.
    s->out.clear();
    if (code != kNoError || s->released || !s->dispatched) me.discard_body(*s);
    me.wake(*s);
    // The handler may have released (and so destroyed) the stream in wake.
    s = me.find(sid);
    if (s && (!s->dispatched || s->released)) me.destroy(sid);
    return 0;
  }

  static int recv_data(nghttp3_conn*, int64_t sid, const uint8_t* data, size_t len, void* u,
                       void*) {
    auto& me = self(u);
    auto* s = me.find(sid);
    if (!s || s->ignored || s->released || s->overflow || s->read_stopped) {
      me.quic_.consumed(sid, len);
      return 0;
    }
    s->body_total += len;
    // A CONNECT stream is a tunnel: its DATA is not a body (no max_body).
    if (s->body_total > me.limits_.max_body && s->req.method != "CONNECT") {
      s->overflow = true;
      me.ev_.on_error(static_cast<PeerError>(kErrBody));
      me.quic_.consumed(sid, len);
      me.discard_body(*s);
    } else {
      if (s->body_off > 0 && s->body_off * 2 >= s->body.size()) {
        s->body.erase(0, s->body_off);
        s->body_off = 0;
      }
      s->body.append(reinterpret_cast<const char*>(data), len);
    }
    me.wake(*s);
    return 0;
  }

  static int deferred_consume(nghttp3_conn*, int64_t sid, size_t n, void* u, void*) {
    self(u).quic_.consumed(sid, n);
    return 0;
  }

  static int begin_headers(nghttp3_conn*, int64_t sid, void* u, void*) {
    auto& me = self(u);
    auto* s = me.find(sid);
    if (!s) s = me.create(sid);
    s->req.start = me.clock_.now();
    s->req.protocol = http::Protocol::h3;
    return 0;
  }

  // Counts a field against the limits; false once the list is too large.
  static bool admit(ServerSession& me, ServerSession::Stream& s, std::size_t bytes_in) {
    if (s.ignored || s.too_large) return false;
    std::uint64_t bytes = std::uint64_t(s.header_bytes) + bytes_in + 32;
    if (bytes > me.limits_.max_header_bytes || s.header_count + 1 > me.limits_.max_headers) {
      s.too_large = true;
      return false;
    }
    s.header_bytes = static_cast<std::uint32_t>(bytes);
    ++s.header_count;
    return true;
  }

  static int recv_header(nghttp3_conn*, int64_t sid, int32_t, nghttp3_rcbuf* name,
                         nghttp3_rcbuf* value, uint8_t, void* u, void*) {
    auto& me = self(u);
    auto* s = me.find(sid);
    if (!s) return 0;
    std::string_view n = view(name), v = view(value);
    if (!admit(me, *s, n.size() + v.size())) return 0;
    auto& r = s->req;
    if (!n.empty() && n[0] == ':') {
      if (n == ":method") {
        r.method.assign(v);
        s->head_req = v == "HEAD";
      } else if (n == ":scheme") {
        r.scheme.assign(v);
      } else if (n == ":authority") {
        r.authority.assign(v);
      } else if (n == ":path") {
        r.target.assign(v);
      } else if (n == ":protocol") {
        s->connect_protocol.assign(v);
        r.connect_protocol.assign(v);
      }
      return 0;
    }
    if (n == "host") {
      if (r.authority.empty()) r.authority.assign(v);
      return 0;
    }
    if (n == "content-length") {
      std::uint64_t cl = 0;
      auto [p, ec] = std::from_chars(v.data(), v.data() + v.size(), cl);
      if (ec == std::errc() && p == v.data() + v.size()) r.content_length = cl;
    }
    r.headers.add(n, v);
    return 0;
  }

  static int end_headers(nghttp3_conn*, int64_t sid, int fin, void* u, void*) {
    auto& me = self(u);
    auto* s = me.find(sid);
    if (!s) return 0;
    if (fin) s->req_ended = true;
    me.finish_head(*s);
    return 0;
  }

  static int begin_trailers(nghttp3_conn*, int64_t sid, void* u, void*) {
    if (auto* s = self(u).find(sid)) s->in_trailers = true;
    return 0;
  }

  static int recv_trailer(nghttp3_conn*, int64_t sid, int32_t, nghttp3_rcbuf* name,
                          nghttp3_rcbuf* value, uint8_t, void* u, void*) {
    auto& me = self(u);
    auto* s = me.find(sid);
    if (!s) return 0;
    std::string_view n = view(name), v = view(value);
    if (!admit(me, *s, n.size() + v.size())) return 0;
    if (!n.empty() && n[0] != ':') s->trailers.add(n, v);
    return 0;
  }

  static int end_trailers(nghttp3_conn*, int64_t sid, int fin, void* u, void*) {
    auto& me = self(u);
    auto* s = me.find(sid);
    if (!s || s->ignored) return 0;
    if (s->too_large) {
      me.ev_.on_error(static_cast<PeerError>(kErrHeaderList));
      s->trailers.clear();
      me.reset(sid, kExcessiveLoad);
      me.wake(*s);
      return 0;
    }
    s->has_trailers = true;
    if (fin) s->req_ended = true;
    me.wake(*s);
    return 0;
  }

  static int end_stream(nghttp3_conn*, int64_t sid, void* u, void*) {
    auto& me = self(u);
    auto* s = me.find(sid);
    if (!s || s->req_ended) return 0;
    s->req_ended = true;
    me.wake(*s);
    return 0;
  }

  // nghttp3 asks for STOP_SENDING: a malformed request, or a stream
  // rejected after GOAWAY.
  static int stop_sending(nghttp3_conn*, int64_t sid, uint64_t code, void* u, void*) {
    auto& me = self(u);
    if (code == kMessageError) me.ev_.on_error(static_cast<PeerError>(kErrMessage));
    if (code == kRequestRejected) me.ev_.on_error(static_cast<PeerError>(kErrRejected));
    me.quic_.shutdown_stream_read(sid, code);
    if (auto* s = me.find(sid)) {
      s->read_stopped = true;
      s->ignored = !s->dispatched;
      me.discard_body(*s);
      me.wake(*s);
    }
    return 0;
  }

  static int reset_stream(nghttp3_conn*, int64_t sid, uint64_t code, void* u, void*) {
    auto& me = self(u);
    me.quic_.reset_stream(sid, code);
    if (auto* s = me.find(sid)) {
      s->write_shut = true;
      me.wake(*s);
    }
    return 0;
  }

  static nghttp3_ssize read_data(nghttp3_conn*, int64_t sid, nghttp3_vec* vec, size_t veccnt,
                                 uint32_t* flags, void* u, void*) {
    auto& me = self(u);
    auto* s = me.find(sid);
    if (!s) {
      *flags |= NGHTTP3_DATA_FLAG_EOF;
      return 0;
    }
    std::size_t n = s->out.give(vec, veccnt);
    if (n == 0 && !s->resp_eof) return NGHTTP3_ERR_WOULDBLOCK;
    if (s->resp_eof && s->out.all_given()) {
      *flags |= NGHTTP3_DATA_FLAG_EOF;
      // Trailers were queued by submit_trailers and end the stream.
      if (s->trailers_sent) *flags |= NGHTTP3_DATA_FLAG_NO_END_STREAM;
      me.response_done(*s);
    }
    return static_cast<nghttp3_ssize>(n);
  }
};

void server_callbacks(nghttp3_callbacks& cb) {
  cb.acked_stream_data = &Callbacks::acked_stream_data;
  cb.stream_close = &Callbacks::stream_close;
  cb.recv_data = &Callbacks::recv_data;
  cb.deferred_consume = &Callbacks::deferred_consume;
  cb.begin_headers = &Callbacks::begin_headers;
  cb.recv_header = &Callbacks::recv_header;
  cb.end_headers = &Callbacks::end_headers;
  cb.begin_trailers = &Callbacks::begin_trailers;
  cb.recv_trailer = &Callbacks::recv_trailer;
  cb.end_trailers = &Callbacks::end_trailers;
  cb.stop_sending = &Callbacks::stop_sending;
  cb.end_stream = &Callbacks::end_stream;
  cb.reset_stream = &Callbacks::reset_stream;
  cb.shutdown = nullptr;  // a client's GOAWAY only limits server push
}

nghttp3_ssize read_response_data(nghttp3_conn* conn, int64_t sid, nghttp3_vec* vec,
                                 size_t veccnt, uint32_t* flags, void* conn_user,
                                 void* stream_user) {
  return Callbacks::read_data(conn, sid, vec, veccnt, flags, conn_user, stream_user);
}

}  // namespace strata::codec::http3
