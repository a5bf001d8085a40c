#include "codec/http2/client_session.hpp"
#include "codec/http2/recycling_mem.hpp"

#include <nghttp2/nghttp2.h>

#include <algorithm>
#include <array>
#include <charconv>
#include <cstring>


namespace strata::codec::http2 {

namespace {

nghttp2_nv nv(std::string_view n, std::string_view v) {
  return nghttp2_nv{reinterpret_cast<uint8_t*>(const_cast<char*>(n.data())),
                    reinterpret_cast<uint8_t*>(const_cast<char*>(v.data())), n.size(), v.size(),
                    NGHTTP2_NV_FLAG_NONE};
}

bool clean(std::string_view s) {
  return http::no_line_breaks(s);
}

// Connection-specific fields are forbidden in HTTP/2 (RFC 9113 8.2.2);
// "te" is allowed only as "trailers".
bool forbidden_field(const http::Header& f) {
  const auto& n = f.name;
  if (n.empty() || n[0] == ':' || !clean(n) || !clean(f.value)) return true;
  if (n == "te") return !http::iequals(f.value, "trailers");
  return n == "connection" || n == "keep-alive" || n == "proxy-connection" ||
         n == "transfer-encoding" || n == "upgrade" || n == "host" || n == "http2-settings";
}

void build_fields(std::vector<nghttp2_nv>& out, const http::Headers& h) {
  for (const auto& f : h)
    if (!forbidden_field(f)) out.push_back(nv(f.name, f.value));
}

}  // namespace

// The nghttp2 C callbacks, with access to the session's internals.
struct ClientCallbacks {
  using Stream = ClientSession::Stream;
  static ClientSession& self(void* u) { return *static_cast<ClientSession*>(u); }

  static ssize_t send(nghttp2_session*, const uint8_t* data, size_t len, int, void* u) {
    auto& me = self(u);
    if (me.out_->size() >= me.out_limit_) return NGHTTP2_ERR_WOULDBLOCK;
    me.out_->append(reinterpret_cast<const char*>(data), len);
    return static_cast<ssize_t>(len);
  }

  static int send_data(nghttp2_session*, nghttp2_frame* frame, const uint8_t* hd, size_t len,
                       nghttp2_data_source*, void* u) {
    auto& me = self(u);
    auto* s = me.get(frame->hd.stream_id);
    if (!s || s->unsent() < len) return NGHTTP2_ERR_CALLBACK_FAILURE;
    if (me.out_->size() >= me.out_limit_) return NGHTTP2_ERR_WOULDBLOCK;
    std::string& o = *me.out_;
    o.append(reinterpret_cast<const char*>(hd), 9);
    const std::size_t pad = frame->data.padlen;
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
    if (len > 0) me.wake(*s);
    return 0;
  }

  static ssize_t read_data(nghttp2_session* session, int32_t sid, uint8_t*, size_t length,
                           uint32_t* flags, nghttp2_data_source*, void* u) {
    auto& me = self(u);
    auto* s = me.get(sid);
    if (!s) return NGHTTP2_ERR_TEMPORAL_CALLBACK_FAILURE;
    const std::size_t avail = s->unsent();
    const std::size_t n = std::min(length, avail);
    if (n == 0 && !s->req_eof) return NGHTTP2_ERR_DEFERRED;
    *flags |= NGHTTP2_DATA_FLAG_NO_COPY;
    if (s->req_eof && n == avail) {
      *flags |= NGHTTP2_DATA_FLAG_EOF;
      if (s->trailers_pending) {
        s->trailers_pending = false;
        std::vector<nghttp2_nv> fields;
        build_fields(fields, s->trailers_out);
        if (nghttp2_submit_trailer(session, sid, fields.data(), fields.size()) == 0)
          *flags |= NGHTTP2_DATA_FLAG_NO_END_STREAM;
      }
    }
    return static_cast<ssize_t>(n);
  }

  static int begin_headers(nghttp2_session*, const nghttp2_frame* frame, void* u) {
    auto* s = self(u).get(frame->hd.stream_id);
    if (!s || frame->hd.type != NGHTTP2_HEADERS) return 0;
    s->in_trailers = s->head_done;
    s->cur.headers.clear();  // keeps its storage (no allocation per response)
    s->cur.status = 0;
    s->header_bytes = 0;
    s->header_count = 0;
    s->too_large = false;
    return 0;
  }

  static int header(nghttp2_session*, const nghttp2_frame* frame, const uint8_t* name,
                    size_t namelen, const uint8_t* value, size_t valuelen, uint8_t, void* u) {
    auto& me = self(u);
    if (frame->hd.type != NGHTTP2_HEADERS) return 0;
    auto* s = me.get(frame->hd.stream_id);
    if (!s || s->released || s->too_large) return 0;
    const std::uint64_t bytes = std::uint64_t(s->header_bytes) + namelen + valuelen + 32;
    if (bytes > me.limits_.max_header_bytes || s->header_count + 1 > me.limits_.max_headers) {
      s->too_large = true;
      return 0;
    }
    s->header_bytes = static_cast<std::uint32_t>(bytes);
    ++s->header_count;
    const std::string_view n(reinterpret_cast<const char*>(name), namelen);
    const std::string_view v(reinterpret_cast<const char*>(value), valuelen);
    if (s->in_trailers) {
      if (!n.empty() && n[0] != ':') s->trailers.add(n, v);
      return 0;
    }
    if (n == ":status") {
      int st = 0;
      auto [p, ec] = std::from_chars(v.data(), v.data() + v.size(), st);
      if (ec == std::errc() && p == v.data() + v.size() && v.size() == 3) s->cur.status = st;
      return 0;
    }
    if (!n.empty() && n[0] != ':' && !me.discard_) s->cur.headers.add(n, v);
    return 0;
  }

  static int frame_recv(nghttp2_session*, const nghttp2_frame* frame, void* u) {
    auto& me = self(u);
    switch (frame->hd.type) {
      case NGHTTP2_HEADERS: {
        auto* s = me.get(frame->hd.stream_id);
        if (!s || s->released) return 0;
        const bool end = frame->hd.flags & NGHTTP2_FLAG_END_STREAM;
        if (s->too_large) {
          me.ev_.on_error("header_list");
          s->bad_response = true;
          me.reset(s->id, NGHTTP2_CANCEL);
        } else if (s->in_trailers) {
          s->has_trailers = true;
          s->ended = true;
        } else if (s->cur.status >= 100 && s->cur.status < 200 && s->cur.status != 101) {
          s->interims.push_back(std::move(s->cur));
        } else if (s->cur.status >= 200) {
          s->head_done = true;
          std::swap(s->response, s->cur);  // cur keeps the old response's storage for the next head
          s->ended = end;
        } else {
          me.ev_.on_error("bad_status");
          s->bad_response = true;
          me.reset(s->id, NGHTTP2_PROTOCOL_ERROR);
        }
        me.wake(*s);
        return 0;
      }
      case NGHTTP2_DATA: {
        if (!(frame->hd.flags & NGHTTP2_FLAG_END_STREAM)) return 0;
        auto* s = me.get(frame->hd.stream_id);
        if (!s) return 0;
        s->ended = true;
        me.wake(*s);
        return 0;
      }
      case NGHTTP2_RST_STREAM: {
        auto* s = me.get(frame->hd.stream_id);
        if (s && frame->rst_stream.error_code == NGHTTP2_REFUSED_STREAM && !s->head_done)
          s->refused = true;
        return 0;
      }
      case NGHTTP2_GOAWAY: {
        me.goaway_ = true;
        me.goaway_last_ = frame->goaway.last_stream_id;
        for (auto& [sid, s] : me.streams_) {
          if (sid > me.goaway_last_ && !s->head_done) {
            s->refused = true;
            me.wake(*s);
          }
        }
        me.ev_.on_goaway(me.goaway_last_, frame->goaway.error_code);
        return 0;
      }
      case NGHTTP2_SETTINGS:
        if (!(frame->hd.flags & NGHTTP2_FLAG_ACK)) me.ev_.on_settings();
        return 0;
      default:
        return 0;
    }
  }

  static int data_chunk(nghttp2_session* session, uint8_t, int32_t sid, const uint8_t* data,
                        size_t len, void* u) {
    auto& me = self(u);
    auto* s = me.get(sid);
    if (!s || s->released || s->bad_response) {
      nghttp2_session_consume(session, sid, len);
      return 0;
    }
    if (me.discard_) {
      s->discarded += len;
      nghttp2_session_consume(session, sid, len);
      return 0;
    }
    if (s->body_off > 0 && s->body_off * 2 >= s->body.size()) {
      s->body.erase(0, s->body_off);
      s->body_off = 0;
    }
    s->body.append(reinterpret_cast<const char*>(data), len);
    me.wake(*s);
    return 0;
  }

  static int frame_not_send(nghttp2_session*, const nghttp2_frame* frame, int, void* u) {
    auto& me = self(u);
    if (frame->hd.type != NGHTTP2_HEADERS || frame->headers.cat != NGHTTP2_HCAT_REQUEST) return 0;
    auto* s = me.get(frame->hd.stream_id);
    if (!s) return 0;
    // The request never left: the peer cannot have processed it.
    s->refused = true;
    s->closed = true;
    s->close_code = NGHTTP2_REFUSED_STREAM;
    me.wake(*s);
    if (s->released) me.destroy(s->id);
    return 0;
  }

  static int stream_close(nghttp2_session*, int32_t sid, uint32_t code, void* u) {
    auto& me = self(u);
    auto* s = me.get(sid);
    if (!s) return 0;
    s->closed = true;
    s->close_code = code;
    if (code == NGHTTP2_REFUSED_STREAM && !s->head_done) s->refused = true;
    me.wake(*s);
    if (s->released) me.destroy(sid);
    return 0;
  }
};

ClientSession::ClientSession(const ClientLimits& limits, ClientEvents& events)
    : limits_(limits), ev_(events) {
  nghttp2_session_callbacks* cb = nullptr;
  nghttp2_session_callbacks_new(&cb);
  nghttp2_session_callbacks_set_send_callback(cb, &ClientCallbacks::send);
  nghttp2_session_callbacks_set_send_data_callback(cb, &ClientCallbacks::send_data);
  nghttp2_session_callbacks_set_on_begin_headers_callback(cb, &ClientCallbacks::begin_headers);
  nghttp2_session_callbacks_set_on_header_callback(cb, &ClientCallbacks::header);
  nghttp2_session_callbacks_set_on_frame_recv_callback(cb, &ClientCallbacks::frame_recv);
  nghttp2_session_callbacks_set_on_data_chunk_recv_callback(cb, &ClientCallbacks::data_chunk);
  nghttp2_session_callbacks_set_on_frame_not_send_callback(cb, &ClientCallbacks::frame_not_send);
  nghttp2_session_callbacks_set_on_stream_close_callback(cb, &ClientCallbacks::stream_close);
  nghttp2_option* opt = nullptr;
  nghttp2_option_new(&opt);
  nghttp2_option_set_no_auto_window_update(opt, 1);
  nghttp2_session_client_new3(&s_, cb, this, opt, recycling_mem());
  nghttp2_option_del(opt);
  nghttp2_session_callbacks_del(cb);
}

ClientSession::~ClientSession() { nghttp2_session_del(s_); }

void ClientSession::start() {
  constexpr std::uint32_t kMaxWindow = (1u << 31) - 1;
  nghttp2_settings_entry iv[] = {
      {NGHTTP2_SETTINGS_ENABLE_PUSH, 0},
      {NGHTTP2_SETTINGS_INITIAL_WINDOW_SIZE,
       std::clamp<std::uint32_t>(limits_.initial_window, 65535, kMaxWindow)},
      {NGHTTP2_SETTINGS_MAX_HEADER_LIST_SIZE, limits_.max_header_bytes},
  };
  nghttp2_submit_settings(s_, NGHTTP2_FLAG_NONE, iv, sizeof iv / sizeof iv[0]);
  nghttp2_session_set_local_window_size(
      s_, NGHTTP2_FLAG_NONE, 0,
      static_cast<std::int32_t>(std::clamp<std::uint32_t>(limits_.connection_window, 65535,
                                                          kMaxWindow)));
}

bool ClientSession::receive(std::span<const char> data) {
  if (failed_) return false;
  const auto rv =
      nghttp2_session_mem_recv(s_, reinterpret_cast<const uint8_t*>(data.data()), data.size());
  if (rv < 0) {
    ev_.on_error("protocol");
    failed_ = true;
    return false;
  }
  return true;
}

bool ClientSession::send(std::string& out, std::size_t max) {
  out_ = &out;
  out_limit_ = out.size() + max;
  const int rv = nghttp2_session_send(s_);
  out_ = nullptr;
  if (rv != 0) {
    failed_ = true;
    return false;
  }
  return true;
}

bool ClientSession::want_read() const { return nghttp2_session_want_read(s_) != 0; }
bool ClientSession::want_write() const { return nghttp2_session_want_write(s_) != 0; }

ClientSession::Stream* ClientSession::get(ClientStreamId sid) const { return streams_.get(sid); }

const ClientSession::Stream* ClientSession::find(ClientStreamId sid) const { return get(sid); }

void ClientSession::destroy(ClientStreamId sid) {
  auto it = streams_.find(sid);
  if (it == streams_.end()) return;
  auto s = streams_.take(it);
  if (spare_.size() < kSpareStreams) spare_.push_back(std::move(s));
}

void ClientSession::wake(Stream& s) {
  if (s.user) ev_.on_stream_wake(s.id, s.user);
}

ClientStreamId ClientSession::submit_request(std::string_view method, std::string_view scheme,
                                             std::string_view authority, std::string_view path,
                                             const http::Headers& headers, bool end_stream,
                                             void* user, std::string_view protocol) {
  if (failed_ || goaway_ || shutdown_) return 0;
  if (!clean(method) || !clean(scheme) || !clean(authority) || !clean(path) || method.empty() ||
      path.empty())
    return 0;
  // The field array lives on the stack for usual heads (nghttp2 copies it).
  std::vector<nghttp2_nv> heap;
  std::array<nghttp2_nv, 32> stack;
  std::size_t n = 0;
  nghttp2_nv* fields = stack.data();
  if (5 + headers.size() > stack.size()) {
    heap.resize(5 + headers.size());
    fields = heap.data();
  }
  fields[n++] = nv(":method", method);
  fields[n++] = nv(":scheme", scheme.empty() ? std::string_view("http") : scheme);
  if (!authority.empty()) fields[n++] = nv(":authority", authority);
  fields[n++] = nv(":path", path);
  if (!protocol.empty() && clean(protocol)) fields[n++] = nv(":protocol", protocol);
  for (const auto& f : headers)
    if (!forbidden_field(f)) fields[n++] = nv(f.name, f.value);
  nghttp2_data_provider prd{};
  prd.read_callback = &ClientCallbacks::read_data;
  const int32_t sid =
      nghttp2_submit_request(s_, nullptr, fields, n, end_stream ? nullptr : &prd, nullptr);
  if (sid <= 0) return 0;
  std::unique_ptr<Stream> s;
  if (spare_.empty()) {
    s = std::make_unique<Stream>();
  } else {
    s = std::move(spare_.back());
    spare_.pop_back();
    // A fresh stream that keeps the storage of the old one's strings,
    // header lists and interim list (cleared), so it allocates none of them.
    Stream fresh;
    const auto keep = [](auto& to, auto& from) {
      to = std::move(from);
      to.clear();
    };
    keep(fresh.interims, s->interims);
    keep(fresh.response.headers, s->response.headers);
    keep(fresh.trailers, s->trailers);
    keep(fresh.trailers_out, s->trailers_out);
    keep(fresh.cur.headers, s->cur.headers);
    if (s->body.capacity() <= 64 * 1024) keep(fresh.body, s->body);
    if (s->out.capacity() <= 64 * 1024) keep(fresh.out, s->out);
    *s = std::move(fresh);
  }
  s->id = sid;
  s->user = user;
  s->req_eof = end_stream;
  streams_.put(sid, std::move(s));
  return sid;
}

bool ClientSession::submit_data(ClientStreamId sid, std::span<const char> data, bool end_stream) {
  auto* s = get(sid);
  if (!s || s->closed || s->req_eof || failed_) return false;
  s->out.append(data.data(), data.size());
  if (end_stream) s->req_eof = true;
  nghttp2_session_resume_data(s_, sid);
  return true;
}

bool ClientSession::submit_trailers(ClientStreamId sid, const http::Headers& t) {
  auto* s = get(sid);
  if (!s || s->closed || s->req_eof || failed_) return false;
  s->trailers_out = t;
  s->trailers_pending = !t.empty();
  s->req_eof = true;
  nghttp2_session_resume_data(s_, sid);
  return true;
}

std::size_t ClientSession::buffered(ClientStreamId sid) const {
  auto* s = get(sid);
  return s ? s->unsent() : 0;
}

bool ClientSession::writable(ClientStreamId sid) const {
  auto* s = get(sid);
  return s && !s->closed && !s->req_eof && !failed_;
}

std::size_t ClientSession::read_body(ClientStreamId sid, std::span<char> buf) {
  auto* s = get(sid);
  if (!s) return 0;
  const std::size_t n = std::min(buf.size(), s->unread());
  if (n == 0) return 0;
  std::memcpy(buf.data(), s->body.data() + s->body_off, n);
  s->body_off += n;
  if (s->body_off == s->body.size()) {
    s->body.clear();
    s->body_off = 0;
  }
  // Reopens the connection window, and the stream's while it is open.
  nghttp2_session_consume(s_, sid, n);
  return n;
}

bool ClientSession::take_interim(ClientStreamId sid, http::Response& r) {
  auto* s = get(sid);
  if (!s || s->interims.empty()) return false;
  r = std::move(s->interims.front());
  s->interims.erase(s->interims.begin());
  return true;
}

void ClientSession::set_user(ClientStreamId sid, void* user) {
  if (auto* s = get(sid)) s->user = user;
}

void ClientSession::reset(ClientStreamId sid, std::uint32_t code) {
  auto* s = get(sid);
  if (!s || s->closed) return;
  nghttp2_submit_rst_stream(s_, NGHTTP2_FLAG_NONE, sid, code);
}

void ClientSession::release(ClientStreamId sid) {
  auto* s = get(sid);
  if (!s) return;
  s->user = nullptr;
  s->released = true;
  if (s->unread()) nghttp2_session_consume(s_, sid, s->unread());
  s->body.clear();
  s->body_off = 0;
  if (s->closed) {
    destroy(sid);
    return;
  }
  nghttp2_submit_rst_stream(s_, NGHTTP2_FLAG_NONE, sid, NGHTTP2_CANCEL);
}

bool ClientSession::peer_extended_connect() const {
  return nghttp2_session_get_remote_settings(s_, NGHTTP2_SETTINGS_ENABLE_CONNECT_PROTOCOL) == 1;
}

std::uint32_t ClientSession::peer_max_concurrent() const {
  return nghttp2_session_get_remote_settings(s_, NGHTTP2_SETTINGS_MAX_CONCURRENT_STREAMS);
}

void ClientSession::shutdown() {
  if (shutdown_ || failed_) return;
  shutdown_ = true;
  nghttp2_session_terminate_session(s_, NGHTTP2_NO_ERROR);
}

}  // namespace strata::codec::http2
