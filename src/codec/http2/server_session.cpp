#include "codec/http2/server_session.hpp"

#include "codec/http2/server_session_internal.hpp"
#include "codec/http2/recycling_mem.hpp"

namespace strata::codec::http2 {

ServerSession::ServerSession(const Limits& limits, SessionEvents& events,
                             const core::Clock& clock)
    : limits_(limits), ev_(events), clock_(clock), nv_(std::make_unique<NvScratch>()) {
  nghttp2_session_callbacks* cb = new_server_callbacks();
  nghttp2_option* opt = nullptr;
  nghttp2_option_new(&opt);
  nghttp2_option_set_no_auto_window_update(opt, 1);
  // RFC 9218: with SETTINGS_NO_RFC7540_PRIORITIES=1 (start()) nghttp2 reads
  // the `priority` request field itself and, with this, PRIORITY_UPDATE.
  nghttp2_option_set_builtin_recv_extension_type(opt, NGHTTP2_PRIORITY_UPDATE);
  nghttp2_option_set_max_outbound_ack(opt,
                                      std::max<std::uint32_t>(limits_.h2_max_control_frames_per_second, 1));
  nghttp2_session_server_new3(&s_, cb, this, opt, recycling_mem());
  nghttp2_option_del(opt);
  nghttp2_session_callbacks_del(cb);
  // Buckets for 16 streams (136 bytes): an idle connection keeps them for
  // its whole life, so room for more comes when more streams come (a
  // rehash or two per connection) instead of 1.1 KB each up front.
  streams_.reserve(std::min<std::uint32_t>(limits_.h2_max_concurrent_streams, 16));
}

ServerSession::~ServerSession() { nghttp2_session_del(s_); }

void ServerSession::start() {
  constexpr std::uint32_t kMaxWindow = (1u << 31) - 1;
  std::uint32_t frame = std::clamp<std::uint32_t>(limits_.h2_max_frame_size, 16384, 16777215);
  nghttp2_settings_entry iv[] = {
      {NGHTTP2_SETTINGS_MAX_CONCURRENT_STREAMS, limits_.h2_max_concurrent_streams},
      {NGHTTP2_SETTINGS_INITIAL_WINDOW_SIZE, std::min(limits_.h2_initial_window, kMaxWindow)},
      {NGHTTP2_SETTINGS_MAX_FRAME_SIZE, frame},
      {NGHTTP2_SETTINGS_MAX_HEADER_LIST_SIZE, limits_.max_header_bytes},
      {NGHTTP2_SETTINGS_NO_RFC7540_PRIORITIES, 1},
      // RFC 8441: extended CONNECT (WebSocket over HTTP/2); nghttp2 then
      // accepts and validates :protocol (without it, :protocol is a stream error).
      {NGHTTP2_SETTINGS_ENABLE_CONNECT_PROTOCOL, 1},
  };
  const std::size_t n = sizeof iv / sizeof iv[0] - (limits_.h2_extended_connect ? 0 : 1);
  nghttp2_submit_settings(s_, NGHTTP2_FLAG_NONE, iv, n);
  nghttp2_session_set_local_window_size(
      s_, NGHTTP2_FLAG_NONE, 0,
      static_cast<std::int32_t>(std::min(limits_.h2_connection_window, kMaxWindow)));
}

bool ServerSession::upgrade(std::string_view settings, http::Request req, std::string body) {
  bool head = req.method == "HEAD";
  if (nghttp2_session_upgrade2(s_, reinterpret_cast<const uint8_t*>(settings.data()),
                               settings.size(), head ? 1 : 0, nullptr) != 0)
    return false;
  auto* s = create(1);
  s->req = std::move(req);
  s->req.protocol = http::Protocol::h2;
  s->head_req = head;
  s->req.has_body = !body.empty();
  s->body_total = body.size();
  s->body = std::move(body);
  s->req_ended = true;
  s->upgraded = true;
  s->dispatched = true;
  ev_.on_request(1);
  return true;
}

std::size_t ServerSession::scan(std::span<const char> data) {
  // nghttp2 1.52 neither limits CONTINUATION frames nor reports them to
  // on_begin_frame_callback, so frame headers are tracked here (cheap:
  // payloads are skipped). Returns the offset of the first frame header
  // over the limit, or data.size().
  std::size_t i = 0;
  const std::size_t n = data.size();
  while (i < n) {
    if (scan_.preface_left) {
      std::size_t k = std::min<std::size_t>(scan_.preface_left, n - i);
      scan_.preface_left -= k;
      i += k;
    } else if (scan_.payload_left) {
      std::size_t k = std::min<std::size_t>(scan_.payload_left, n - i);
      scan_.payload_left -= k;
      i += k;
    } else {
      std::size_t start = i - std::min<std::size_t>(i, scan_.hd_len);
      while (i < n && scan_.hd_len < 9) scan_.hd[scan_.hd_len++] = static_cast<std::uint8_t>(data[i++]);
      if (scan_.hd_len < 9) break;
      scan_.hd_len = 0;
      scan_.payload_left = (std::uint32_t(scan_.hd[0]) << 16) | (std::uint32_t(scan_.hd[1]) << 8) |
                           scan_.hd[2];
      std::uint8_t type = scan_.hd[3];
      if (type == NGHTTP2_HEADERS || type == NGHTTP2_PUSH_PROMISE) {
        scan_.continuations = 0;
      } else if (type == NGHTTP2_CONTINUATION &&
                 ++scan_.continuations > limits_.h2_max_continuations) {
        return start;
      }
    }
  }
  return n;
}

bool ServerSession::receive(std::span<const char> data) {
  if (failed_) return false;
  std::size_t ok = scan(data);
  auto rv = nghttp2_session_mem_recv(s_, reinterpret_cast<const uint8_t*>(data.data()), ok);
  if (rv >= 0 && ok < data.size() && !failed_) {
    abuse(kAbContinuation);
    terminate(kEnhanceYourCalm);
    return false;
  }
  if (rv < 0) {
    if (!failed_) {
      if (rv == NGHTTP2_ERR_FLOODED) {  // ACK queue over max_outbound_ack
        abuse(kAbControl);
        terminate(kEnhanceYourCalm);
      } else {
        ev_.on_protocol_error();
        // Bad preface: just close; anything else: best-effort GOAWAY.
        if (rv != NGHTTP2_ERR_BAD_CLIENT_MAGIC) terminate(kProtocolError);
      }
      failed_ = true;
    }
    return false;
  }
  return !failed_;
}

bool ServerSession::send(std::string& out, std::size_t max) {
  out_ = &out;
  out_limit_ = out.size() + max;
  int rv = nghttp2_session_send(s_);
  out_ = nullptr;
  if (rv != 0) {
    failed_ = true;
    return false;
  }
  return true;
}

bool ServerSession::want_read() const { return nghttp2_session_want_read(s_) != 0; }
bool ServerSession::want_write() const { return nghttp2_session_want_write(s_) != 0; }

ServerSession::Stream* ServerSession::find(StreamId sid) const { return streams_.get(sid); }

ServerSession::Stream* ServerSession::create(StreamId sid) {
  std::unique_ptr<Stream> s;
  if (!free_.empty()) {
    s = std::move(free_.back());
    free_.pop_back();
  } else {
    s = std::make_unique<Stream>();
  }
  s->id = sid;
  for (auto& id : idle_priority_)
    if (id == sid) s->client_priority = true, id = 0;
  auto* p = s.get();
  streams_.put(sid, std::move(s));
  return p;
}

void ServerSession::destroy(StreamId sid) {
  auto it = streams_.find(sid);
  if (it == streams_.end()) return;
  auto s = streams_.take(it);
  if (free_.size() < kSpareStreams) {
    s->clear();
    free_.push_back(std::move(s));
  }
}

void ServerSession::abuse(int kind) { ev_.on_abuse(static_cast<Abuse>(kind)); }

std::string_view abuse_name(Abuse a) {
  auto i = static_cast<int>(a);
  return i >= 0 && i < kAbuseKinds ? kAbuseNames[i] : "other";
}

std::string_view error_name(std::uint32_t code) {
  return code < 16 ? nghttp2_http2_strerror(code) : "other";
}

bool ServerSession::window_hit(std::uint32_t& count, core::Clock::time_point& start,
                               std::uint32_t limit) {
  auto now = clock_.now();
  if (now - start >= std::chrono::seconds(1)) {
    start = now;
    count = 0;
  }
  return ++count > limit;
}

void ServerSession::finish_head(Stream& s) {
  if (s.ignored) return;
  if (s.too_large) {
    abuse(kAbHeaderList);
    reject(s, 431);
    return;
  }
  if (s.req.content_length && *s.req.content_length > limits_.max_body) {
    abuse(kAbBody);
    reject(s, 413);
    return;
  }
  // RFC 9113 8.2.3: cookie crumbs are joined with "; " for HTTP/1.1 peers.
  auto& h = s.req.headers;
  std::size_t cookies = 0;
  for (const auto& f : h) cookies += f.name == "cookie";
  if (cookies > 1) {
    std::string joined;
    for (const auto& f : h) {
      if (f.name != "cookie") continue;
      if (!joined.empty()) joined += "; ";
      joined += f.value;
    }
    h.set("cookie", joined);
  }
  s.req.has_body = !s.req_ended;
  // A CONNECT stream is a tunnel: its DATA is not a body (no max_body).
  s.tunnel = s.req.method == "CONNECT";
  s.dispatched = true;
  ev_.on_request(s.id);
}

void ServerSession::reject(Stream& s, int status) {
  s.ignored = true;
  http::Response r;
  r.status = status;
  r.headers.add("content-length", "0");
  std::to_chars(nv_->status, nv_->status + 3, status);
  build_nv(r.headers, true, nv_->status);
  s.resp_started = true;
  s.resp_eof = true;
  nghttp2_submit_response(s_, s.id, nv_->nv.data(), nv_->nv.size(), nullptr);
}

// The header list for nghttp2, in nv_->nv. Without `store` nghttp2 copies
// (and lower-cases) the bytes itself. With it (the final response: the
// stream's own block, kept until the stream ends; the stream outlives the
// HEADERS frame, and nghttp2 drops a queued frame of a closed stream
// without reading it) they are copied once into `store` and handed over
// NO_COPY: names in a Headers are lower case already.
void ServerSession::build_nv(const http::Headers& h, bool with_date, const char* status,
                             std::string* store) {
  bool date = false, server = false;
  std::size_t total = status ? 3 : 0;
  for (const auto& f : h) {
    total += f.name.size() + f.value.size();
    if (f.name.size() == 4) date = date || f.name == "date";  // names are lower case
    else if (f.name.size() == 6) server = server || f.name == "server";
  }
  const std::string_view now = with_date && !date ? http_date() : std::string_view();
  char* p = nullptr;
  if (store) {
    store->resize(total + now.size());  // no pointer into it is taken before this
    p = store->data();
  }
  const auto own = [&p](std::string_view v) {
    if (!p) return v;
    if (!v.empty()) std::memcpy(p, v.data(), v.size());
    const std::string_view copy(p, v.size());
    p += v.size();
    return copy;
  };
  const std::uint8_t flags =
      store ? NGHTTP2_NV_FLAG_NO_COPY_NAME | NGHTTP2_NV_FLAG_NO_COPY_VALUE : NGHTTP2_NV_FLAG_NONE;
  auto& nv = nv_->nv;
  nv.clear();
  const auto push = [&](std::string_view n, std::string_view v) {
    nv.push_back(make_nv(n, v));
    nv.back().flags = flags;
  };
  if (status) push(":status", own(std::string_view(status, 3)));
  for (const auto& f : h) push(own(f.name), own(f.value));
  if (with_date) {
    if (!date) push("date", own(now));
    if (!server) push("server", "strata");
  }
}

http::Request& ServerSession::request(StreamId sid) { return find(sid)->req; }

void ServerSession::set_user(StreamId sid, void* user) {
  if (auto* s = find(sid)) s->user = user;
}

std::size_t ServerSession::read_body(StreamId sid, std::span<char> buf) {
  auto* s = find(sid);
  if (!s || s->overflow) return 0;
  std::size_t n = std::min(buf.size(), s->unread());
  if (n == 0) return 0;
  std::memcpy(buf.data(), s->body.data() + s->body_off, n);
  s->body_off += n;
  if (s->body_off == s->body.size()) {
    s->body.clear();
    s->body_off = 0;
  }
  if (!s->upgraded) nghttp2_session_consume(s_, sid, n);
  return n;
}

BodyState ServerSession::body_state(StreamId sid) const {
  auto* s = find(sid);
  if (!s) return BodyState::reset;
  if (s->overflow) return BodyState::overflow;
  if (s->unread()) return BodyState::more;
  if (s->req_ended) return BodyState::ended;
  if (s->closed) return BodyState::reset;
  return BodyState::more;
}

const http::Headers* ServerSession::request_trailers(StreamId sid) const {
  auto* s = find(sid);
  return s && s->has_trailers ? &s->trailers : nullptr;
}

bool ServerSession::writable(StreamId sid) const {
  auto* s = find(sid);
  return s && !s->closed && !failed_;
}

bool ServerSession::submit_interim(StreamId sid, const http::Response& r) {
  auto* s = find(sid);
  if (!s || s->closed || s->resp_started || r.status < 100 || r.status > 199) return false;
  std::to_chars(nv_->status, nv_->status + 3, r.status);
  build_nv(r.headers, false, nv_->status);
  return nghttp2_submit_headers(s_, NGHTTP2_FLAG_NONE, sid, nullptr, nv_->nv.data(),
                                nv_->nv.size(), nullptr) >= 0;
}

void ServerSession::set_priority(StreamId sid, std::uint8_t urgency, bool incremental) {
  auto* s = find(sid);
  if (!s || s->closed || s->client_priority) return;
  nghttp2_extpri e{urgency, incremental ? 1 : 0};
  (void)nghttp2_session_change_extpri_stream_priority(s_, sid, &e, 0);
}

bool ServerSession::submit_response(StreamId sid, const http::Response& r, bool end_stream) {
  auto* s = find(sid);
  if (!s || s->closed || s->resp_started || r.status < 200 || r.status > 999) return false;
  s->resp_started = true;
  s->drop_body = s->head_req || r.status == 204 || r.status == 304;
  std::to_chars(nv_->status, nv_->status + 3, r.status);
  build_nv(r.headers, true, nv_->status, &s->head_store);
  nghttp2_data_provider prd{};
  prd.read_callback = &read_response_data;
  if (end_stream) s->resp_eof = true;
  return nghttp2_submit_response(s_, sid, nv_->nv.data(), nv_->nv.size(),
                                 end_stream ? nullptr : &prd) == 0;
}

bool ServerSession::submit_data(StreamId sid, std::span<const char> data, bool end_stream) {
  auto* s = find(sid);
  if (!s || s->closed || !s->resp_started || s->resp_eof) return false;
  if (!s->drop_body) s->out.append(data.data(), data.size());
  if (end_stream) s->resp_eof = true;
  nghttp2_session_resume_data(s_, sid);
  return true;
}

bool ServerSession::submit_trailers(StreamId sid, const http::Headers& t) {
  auto* s = find(sid);
  if (!s || s->closed || !s->resp_started || s->resp_eof) return false;
  s->trailers_out = t;
  s->trailers_pending = true;
  s->resp_eof = true;
  nghttp2_session_resume_data(s_, sid);
  return true;
}

std::size_t ServerSession::buffered(StreamId sid) const {
  auto* s = find(sid);
  return s ? s->out.size() - s->out_off : 0;
}

void ServerSession::reset(StreamId sid, std::uint32_t code) {
  auto* s = find(sid);
  if (!s || s->closed) return;
  nghttp2_submit_rst_stream(s_, NGHTTP2_FLAG_NONE, sid, code);
}

core::Clock::time_point ServerSession::oldest_pending_head() const {
  auto t = core::Clock::time_point::max();
  for (const auto& [id, s] : streams_)
    if (!s->dispatched && !s->ignored && !s->closed) t = std::min(t, s->req.start);
  return t;
}

void ServerSession::release(StreamId sid) {
  auto* s = find(sid);
  if (!s) return;
  s->user = nullptr;
  s->released = true;
  if (s->unread() && !s->upgraded) nghttp2_session_consume(s_, sid, s->unread());
  s->body.clear();
  s->body_off = 0;
  if (s->closed) destroy(sid);
}

void ServerSession::shutdown() {
  if (shutdown_ || failed_) return;
  shutdown_ = true;
  nghttp2_submit_goaway(s_, NGHTTP2_FLAG_NONE, nghttp2_session_get_last_proc_stream_id(s_),
                        NGHTTP2_NO_ERROR, nullptr, 0);
}

void ServerSession::terminate(std::uint32_t code) {
  if (failed_) return;
  failed_ = true;
  nghttp2_session_terminate_session(s_, code);
}

}  // namespace strata::codec::http2
