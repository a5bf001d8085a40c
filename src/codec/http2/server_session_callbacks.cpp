// nghttp2 callbacks of ServerSession (see server_session.hpp).
#include "codec/http2/server_session_internal.hpp"

namespace strata::codec::http2 {

// The nghttp2 C callbacks, with access to the session's internals.
struct Callbacks {
  static ServerSession& self(void* u) { return *static_cast<ServerSession*>(u); }

  static ssize_t send(nghttp2_session*, const uint8_t* data, size_t len, int, void* u) {
    auto& me = self(u);
    if (me.out_->size() >= me.out_limit_) return NGHTTP2_ERR_WOULDBLOCK;
    me.out_->append(reinterpret_cast<const char*>(data), len);
    return static_cast<ssize_t>(len);
  }

  static int send_data(nghttp2_session*, nghttp2_frame* frame, const uint8_t* hd, size_t len,
                       nghttp2_data_source*, void* u) {
    auto& me = self(u);
    auto* s = me.find(frame->hd.stream_id);
    if (!s || s->out.size() - s->out_off < len) return NGHTTP2_ERR_CALLBACK_FAILURE;
    if (me.out_->size() >= me.out_limit_) return NGHTTP2_ERR_WOULDBLOCK;
    std::string& o = *me.out_;
    o.append(reinterpret_cast<const char*>(hd), 9);
    std::size_t pad = frame->data.padlen;
    if (pad > 0) o.push_back(static_cast<char>(pad - 1));
    o.append(s->out.data() + s->out_off, len);
    if (pad > 1) o.append(pad - 1, '\0');
    s->out_off += len;
    if (s->out_off == s->out.size()) {
      s->out.clear();
      s->out_off = 0;
    } else if (s->out_off >= 64 * 1024 && s->out_off * 2 >= s->out.size()) {
      s->out.erase(0, s->out_off);
      s->out_off = 0;
    }
    if (s->user && len > 0) me.ev_.on_stream_wake(s->id, s->user);
    return 0;
  }

  static ssize_t read_data(nghttp2_session* session, int32_t sid, uint8_t*, size_t length,
                           uint32_t* flags, nghttp2_data_source*, void* u) {
    auto& me = self(u);
    auto* s = me.find(sid);
    if (!s) return NGHTTP2_ERR_TEMPORAL_CALLBACK_FAILURE;
    std::size_t avail = s->out.size() - s->out_off;
    std::size_t n = std::min(length, avail);
    if (n == 0 && !s->resp_eof) return NGHTTP2_ERR_DEFERRED;
    *flags |= NGHTTP2_DATA_FLAG_NO_COPY;
    if (s->resp_eof && n == avail) {
      *flags |= NGHTTP2_DATA_FLAG_EOF;
      if (s->trailers_pending) {
        s->trailers_pending = false;
        me.build_nv(s->trailers_out, false, nullptr);
        if (nghttp2_submit_trailer(session, sid, me.nv_->nv.data(), me.nv_->nv.size()) == 0)
          *flags |= NGHTTP2_DATA_FLAG_NO_END_STREAM;
      }
    }
    return static_cast<ssize_t>(n);
  }

  static int begin_headers(nghttp2_session* session, const nghttp2_frame* frame, void* u) {
    auto& me = self(u);
    if (frame->headers.cat != NGHTTP2_HCAT_REQUEST) return 0;
    bool full = me.streams_.size() >= me.limits_.h2_max_concurrent_streams;
    auto* s = me.create(frame->hd.stream_id);
    s->req.start = me.clock_.now();
    s->req.protocol = http::Protocol::h2;
    if (full) {
      s->ignored = true;
      nghttp2_submit_rst_stream(session, NGHTTP2_FLAG_NONE, s->id, NGHTTP2_REFUSED_STREAM);
    }
    return 0;
  }

  static int header(nghttp2_session*, const nghttp2_frame* frame, const uint8_t* name,
                    size_t namelen, const uint8_t* value, size_t valuelen, uint8_t, void* u) {
    auto& me = self(u);
    if (frame->hd.type != NGHTTP2_HEADERS) return 0;
    auto* s = me.find(frame->hd.stream_id);
    if (!s || s->ignored || s->too_large) return 0;
    std::uint64_t bytes = std::uint64_t(s->header_bytes) + namelen + valuelen + 32;
    if (bytes > me.limits_.max_header_bytes || s->header_count + 1 > me.limits_.max_headers) {
      s->too_large = true;
      return 0;
    }
    s->header_bytes = static_cast<std::uint32_t>(bytes);
    ++s->header_count;
    std::string_view n(reinterpret_cast<const char*>(name), namelen);
    std::string_view v(reinterpret_cast<const char*>(value), valuelen);
    if (frame->headers.cat == NGHTTP2_HCAT_HEADERS) {  // trailers
      if (!n.empty() && n[0] != ':') s->trailers.append({n, v});  // lower case: see below
      return 0;
    }
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
      } else if (n == ":protocol") {  // RFC 8441; nghttp2 checked the setting
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
    // nghttp2 (HTTP messaging on) refused upper-case names: no lower-casing.
    r.headers.append({n, v});
    return 0;
  }

  static int frame_recv(nghttp2_session*, const nghttp2_frame* frame, void* u) {
    auto& me = self(u);
    switch (frame->hd.type) {
      case NGHTTP2_HEADERS: {
        auto* s = me.find(frame->hd.stream_id);
        if (!s) return 0;
        bool end = frame->hd.flags & NGHTTP2_FLAG_END_STREAM;
        if (frame->headers.cat == NGHTTP2_HCAT_REQUEST) {
          s->req_ended = end;
          me.finish_head(*s);
        } else if (frame->headers.cat == NGHTTP2_HCAT_HEADERS) {
          if (s->ignored) return 0;
          if (s->too_large) {
            me.abuse(kAbHeaderList);
            s->trailers.clear();
            me.reset(s->id, kEnhanceYourCalm);
            return 0;
          }
          s->has_trailers = true;
          s->req_ended = true;
          if (s->user) me.ev_.on_stream_wake(s->id, s->user);
        }
        return 0;
      }
      case NGHTTP2_DATA: {
        if (!(frame->hd.flags & NGHTTP2_FLAG_END_STREAM)) return 0;
        auto* s = me.find(frame->hd.stream_id);
        if (!s) return 0;
        s->req_ended = true;
        if (s->user) me.ev_.on_stream_wake(s->id, s->user);
        return 0;
      }
      case NGHTTP2_RST_STREAM:
        if (me.window_hit(me.resets_, me.resets_start_, me.limits_.h2_max_resets_per_second)) {
          me.abuse(kAbRapidReset);
          me.terminate(kEnhanceYourCalm);
        }
        return 0;
      case NGHTTP2_PRIORITY_UPDATE:  // RFC 9218: nghttp2 applied it; remember it came
        if (auto* pu = static_cast<const nghttp2_ext_priority_update*>(frame->ext.payload)) {
          if (auto* s = me.find(pu->stream_id))
            s->client_priority = true;
          else if (pu->stream_id > 0)  // an idle stream: remembered for its HEADERS
            me.idle_priority_[me.idle_priority_next_++ % me.idle_priority_.size()] = pu->stream_id;
        }
        [[fallthrough]];  // counted like PRIORITY
      case NGHTTP2_SETTINGS:
      case NGHTTP2_PING:
        if (frame->hd.type != NGHTTP2_PRIORITY_UPDATE && (frame->hd.flags & NGHTTP2_FLAG_ACK))
          return 0;
        [[fallthrough]];
      case NGHTTP2_PRIORITY:
        if (me.window_hit(me.controls_, me.controls_start_,
                          me.limits_.h2_max_control_frames_per_second)) {
          me.abuse(kAbControl);
          me.terminate(kEnhanceYourCalm);
        }
        return 0;
      default:
        return 0;
    }
  }

  static int data_chunk(nghttp2_session* session, uint8_t, int32_t sid, const uint8_t* data,
                        size_t len, void* u) {
    auto& me = self(u);
    auto* s = me.find(sid);
    if (!s || s->ignored || s->released || s->overflow) {
      nghttp2_session_consume(session, sid, len);
      return 0;
    }
    s->body_total += len;
    if (s->body_total > me.limits_.max_body && !s->tunnel) {
      s->overflow = true;
      me.abuse(kAbBody);
      nghttp2_session_consume(session, sid, len + s->unread());
      s->body.clear();
      s->body_off = 0;
    } else {
      if (s->body_off > 0 && s->body_off * 2 >= s->body.size()) {
        s->body.erase(0, s->body_off);
        s->body_off = 0;
      }
      s->body.append(reinterpret_cast<const char*>(data), len);
    }
    if (s->user) me.ev_.on_stream_wake(s->id, s->user);
    return 0;
  }

  static int frame_send(nghttp2_session* session, const nghttp2_frame* frame, void* u) {
    auto& me = self(u);
    switch (frame->hd.type) {
      case NGHTTP2_GOAWAY:
        me.ev_.on_goaway_sent(frame->goaway.error_code);
        return 0;
      case NGHTTP2_RST_STREAM:
        if (frame->rst_stream.error_code == NGHTTP2_REFUSED_STREAM) me.abuse(kAbRefused);
        return 0;
      case NGHTTP2_HEADERS:
      case NGHTTP2_DATA: {
        if (!(frame->hd.flags & NGHTTP2_FLAG_END_STREAM)) return 0;
        auto* s = me.find(frame->hd.stream_id);
        // Response complete while the client still sends: stop it (RFC 9113 8.1);
        // a tunnel stays half-closed instead (RFC 9113 8.5).
        if (s && !s->req_ended && !s->closed && !s->tunnel)
          nghttp2_submit_rst_stream(session, NGHTTP2_FLAG_NONE, s->id, NGHTTP2_NO_ERROR);
        return 0;
      }
      default:
        return 0;
    }
  }

  static int stream_close(nghttp2_session* session, int32_t sid, uint32_t code, void* u) {
    auto& me = self(u);
    auto* s = me.find(sid);
    if (!s) return 0;
    s->closed = true;
    s->close_code = code;
    if (code != NGHTTP2_NO_ERROR || s->released || !s->dispatched) {
      // Unread body will never be read: give its connection window back.
      if (s->unread() && !s->upgraded) nghttp2_session_consume_connection(session, s->unread());
      s->body.clear();
      s->body_off = 0;
    }
    if (s->user) {
      me.ev_.on_stream_wake(s->id, s->user);
      s = me.find(sid);  // a wake that resumes the handler at once may release it
      if (!s) return 0;
    }
    if (!s->dispatched || s->released) me.destroy(sid);
    return 0;
  }
};


nghttp2_session_callbacks* new_server_callbacks() {
  nghttp2_session_callbacks* cb = nullptr;
  nghttp2_session_callbacks_new(&cb);
  nghttp2_session_callbacks_set_send_callback(cb, &Callbacks::send);
  nghttp2_session_callbacks_set_send_data_callback(cb, &Callbacks::send_data);
  nghttp2_session_callbacks_set_on_begin_headers_callback(cb, &Callbacks::begin_headers);
  nghttp2_session_callbacks_set_on_header_callback(cb, &Callbacks::header);
  nghttp2_session_callbacks_set_on_frame_recv_callback(cb, &Callbacks::frame_recv);
  nghttp2_session_callbacks_set_on_data_chunk_recv_callback(cb, &Callbacks::data_chunk);
  nghttp2_session_callbacks_set_on_frame_send_callback(cb, &Callbacks::frame_send);
  nghttp2_session_callbacks_set_on_stream_close_callback(cb, &Callbacks::stream_close);
  return cb;
}

ssize_t read_response_data(nghttp2_session* session, int32_t sid, uint8_t* buf, size_t length,
                           uint32_t* flags, nghttp2_data_source* source, void* user) {
  return Callbacks::read_data(session, sid, buf, length, flags, source, user);
}

}  // namespace strata::codec::http2
