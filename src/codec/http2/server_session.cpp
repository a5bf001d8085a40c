#include "codec/http2/server_session.hpp"

#include <nghttp2/nghttp2.h>

#include <algorithm>
#include <charconv>
#include <cstring>
#include <ctime>
#include <limits>

#include "obs/metrics.hpp"

namespace strata::codec::http2 {

namespace {

enum AbuseKind : int {
  kAbRapidReset,
  kAbContinuation,
  kAbControl,
  kAbHeaderList,
  kAbBody,
  kAbRefused,
  kAbuseKinds
};
constexpr const char* kAbuseNames[kAbuseKinds] = {"rapid_reset",  "continuation_flood",
                                                  "control_flood", "header_list",
                                                  "body_too_large", "refused_stream"};

obs::Counter& abuse_counter(int kind) {
  static obs::Counter* counters[kAbuseKinds] = {};
  if (!counters[kind])
    counters[kind] = &obs::counter("strata_http2_abuse_total",
                                   "HTTP/2 abuse defences triggered, by kind",
                                   {{"kind", kAbuseNames[kind]}});
  return *counters[kind];
}

obs::Counter& goaway_counter(std::uint32_t code) {
  static obs::Counter* known[16] = {};
  static obs::Counter& other = obs::counter("strata_http2_goaway_sent_total",
                                            "GOAWAY frames sent, by error code",
                                            {{"code", "other"}});
  if (code >= 16) return other;
  if (!known[code])
    known[code] = &obs::counter("strata_http2_goaway_sent_total",
                                "GOAWAY frames sent, by error code",
                                {{"code", nghttp2_http2_strerror(code)}});
  return *known[code];
}

obs::Counter& recv_errors() {
  static obs::Counter& c = obs::counter("strata_http2_protocol_errors_total",
                                        "HTTP/2 connections failed on bad input");
  return c;
}

// "Sun, 06 Nov 1994 08:49:37 GMT", formatted once per second per thread.
std::string_view http_date() {
  thread_local std::time_t cached = 0;
  thread_local char buf[40];
  thread_local std::size_t len = 0;
  std::time_t now = std::time(nullptr);
  if (now != cached) {
    std::tm tm{};
    gmtime_r(&now, &tm);
    len = std::strftime(buf, sizeof buf, "%a, %d %b %Y %H:%M:%S GMT", &tm);
    cached = now;
  }
  return {buf, len};
}

nghttp2_nv make_nv(std::string_view n, std::string_view v) {
  return nghttp2_nv{reinterpret_cast<uint8_t*>(const_cast<char*>(n.data())),
                    reinterpret_cast<uint8_t*>(const_cast<char*>(v.data())), n.size(), v.size(),
                    NGHTTP2_NV_FLAG_NONE};
}

}  // namespace

struct ServerSession::Stream {
  StreamId id = 0;
  void* user = nullptr;
  http::Request req;
  http::Headers trailers;
  // request body: bytes [body_off, body.size()) are unread
  std::string body;
  std::size_t body_off = 0;
  std::uint64_t body_total = 0;
  std::uint32_t header_bytes = 0;
  std::uint32_t header_count = 0;
  bool too_large = false;
  bool has_trailers = false;
  bool req_ended = false;
  bool overflow = false;
  bool closed = false;
  std::uint32_t close_code = 0;
  bool dispatched = false;
  bool released = false;
  bool ignored = false;    // refused or rejected by the codec; never dispatched
  bool upgraded = false;   // h2c stream 1: body did not use HTTP/2 flow control
  bool head_req = false;
  // response: bytes [out_off, out.size()) wait to be framed
  std::string out;
  std::size_t out_off = 0;
  bool resp_started = false;
  bool resp_eof = false;
  bool drop_body = false;
  bool trailers_pending = false;
  http::Headers trailers_out;

  void clear() {
    id = 0;
    user = nullptr;
    req = http::Request{};
    trailers.clear();
    body.clear();
    body_off = 0;
    body_total = 0;
    header_bytes = header_count = 0;
    too_large = has_trailers = req_ended = overflow = closed = false;
    close_code = 0;
    dispatched = released = ignored = upgraded = head_req = false;
    out.clear();
    out_off = 0;
    resp_started = resp_eof = drop_body = trailers_pending = false;
    trailers_out.clear();
    if (body.capacity() > 64 * 1024) std::string().swap(body);
    if (out.capacity() > 64 * 1024) std::string().swap(out);
  }
  std::size_t unread() const { return body.size() - body_off; }
};

struct ServerSession::NvScratch {
  std::vector<nghttp2_nv> nv;
  char status[4] = {};
};

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
      if (!n.empty() && n[0] != ':') s->trailers.add(n, v);
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
      case NGHTTP2_SETTINGS:
      case NGHTTP2_PING:
        if (frame->hd.flags & NGHTTP2_FLAG_ACK) return 0;
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
    if (s->body_total > me.limits_.max_body) {
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
        goaway_counter(frame->goaway.error_code).inc();
        return 0;
      case NGHTTP2_RST_STREAM:
        if (frame->rst_stream.error_code == NGHTTP2_REFUSED_STREAM) me.abuse(kAbRefused);
        return 0;
      case NGHTTP2_HEADERS:
      case NGHTTP2_DATA: {
        if (!(frame->hd.flags & NGHTTP2_FLAG_END_STREAM)) return 0;
        auto* s = me.find(frame->hd.stream_id);
        // Response complete while the client still sends: stop it (RFC 9113 8.1).
        if (s && !s->req_ended && !s->closed)
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
    if (s->user) me.ev_.on_stream_wake(s->id, s->user);
    if (!s->dispatched || s->released) me.destroy(sid);
    return 0;
  }
};

ServerSession::ServerSession(const config::Limits& limits, SessionEvents& events,
                             const core::Clock& clock)
    : limits_(limits), ev_(events), clock_(clock), nv_(std::make_unique<NvScratch>()) {
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
  nghttp2_option* opt = nullptr;
  nghttp2_option_new(&opt);
  nghttp2_option_set_no_auto_window_update(opt, 1);
  nghttp2_option_set_max_outbound_ack(opt,
                                      std::max<std::uint32_t>(limits_.h2_max_control_frames_per_second, 1));
  nghttp2_session_server_new2(&s_, cb, this, opt);
  nghttp2_option_del(opt);
  nghttp2_session_callbacks_del(cb);
  streams_.reserve(std::min<std::uint32_t>(limits_.h2_max_concurrent_streams, 256));
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
  };
  nghttp2_submit_settings(s_, NGHTTP2_FLAG_NONE, iv, sizeof iv / sizeof iv[0]);
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
        recv_errors().inc();
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

ServerSession::Stream* ServerSession::find(StreamId sid) const {
  auto it = streams_.find(sid);
  return it == streams_.end() ? nullptr : it->second.get();
}

ServerSession::Stream* ServerSession::create(StreamId sid) {
  std::unique_ptr<Stream> s;
  if (!free_.empty()) {
    s = std::move(free_.back());
    free_.pop_back();
  } else {
    s = std::make_unique<Stream>();
  }
  s->id = sid;
  auto* p = s.get();
  streams_[sid] = std::move(s);
  return p;
}

void ServerSession::destroy(StreamId sid) {
  auto it = streams_.find(sid);
  if (it == streams_.end()) return;
  auto s = std::move(it->second);
  streams_.erase(it);
  if (free_.size() < 16) {
    s->clear();
    free_.push_back(std::move(s));
  }
}

void ServerSession::abuse(int kind) { abuse_counter(kind).inc(); }

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
  s.dispatched = true;
  ev_.on_request(s.id);
}

void ServerSession::reject(Stream& s, int status) {
  s.ignored = true;
  http::Response r;
  r.status = status;
  r.headers.add("content-length", "0");
  build_nv(r.headers, true, nullptr);
  std::to_chars(nv_->status, nv_->status + 3, status);
  nv_->nv.insert(nv_->nv.begin(), make_nv(":status", std::string_view(nv_->status, 3)));
  s.resp_started = true;
  s.resp_eof = true;
  nghttp2_submit_response(s_, s.id, nv_->nv.data(), nv_->nv.size(), nullptr);
}

void ServerSession::build_nv(const http::Headers& h, bool with_date, const char*) {
  auto& nv = nv_->nv;
  nv.clear();
  for (const auto& f : h) nv.push_back(make_nv(f.name, f.value));
  if (with_date) {
    if (!h.has("date")) nv.push_back(make_nv("date", http_date()));
    if (!h.has("server")) nv.push_back(make_nv("server", "strata"));
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
  build_nv(r.headers, false, nullptr);
  std::to_chars(nv_->status, nv_->status + 3, r.status);
  nv_->nv.insert(nv_->nv.begin(), make_nv(":status", std::string_view(nv_->status, 3)));
  return nghttp2_submit_headers(s_, NGHTTP2_FLAG_NONE, sid, nullptr, nv_->nv.data(),
                                nv_->nv.size(), nullptr) >= 0;
}

bool ServerSession::submit_response(StreamId sid, const http::Response& r, bool end_stream) {
  auto* s = find(sid);
  if (!s || s->closed || s->resp_started || r.status < 200 || r.status > 999) return false;
  s->resp_started = true;
  s->drop_body = s->head_req || r.status == 204 || r.status == 304;
  build_nv(r.headers, true, nullptr);
  std::to_chars(nv_->status, nv_->status + 3, r.status);
  nv_->nv.insert(nv_->nv.begin(), make_nv(":status", std::string_view(nv_->status, 3)));
  nghttp2_data_provider prd{};
  prd.read_callback = &Callbacks::read_data;
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
