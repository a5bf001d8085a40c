#include "codec/http3/server_session.hpp"

#include "codec/http3/server_session_internal.hpp"
#include "codec/http2/recycling_mem.hpp"

namespace strata::codec::http3 {

namespace {
// Connection-specific fields are forbidden in HTTP/3 (RFC 9114 4.2).
bool connection_specific(std::string_view n) {
  return n == "connection" || n == "keep-alive" || n == "proxy-connection" ||
         n == "transfer-encoding" || n == "upgrade";
}
}  // namespace

ServerSession::ServerSession(const Limits& limits, const Settings& settings,
                             SessionEvents& events, QuicSide& quic, const core::Clock& clock)
    : limits_(limits), ev_(events), quic_(quic), clock_(clock), nv_(std::make_unique<NvScratch>()) {
  nghttp3_callbacks cb{};
  server_callbacks(cb);
  nghttp3_settings s;
  nghttp3_settings_default(&s);
  s.max_field_section_size = limits_.max_header_bytes;
  s.qpack_max_dtable_capacity = static_cast<std::size_t>(settings.qpack_max_dtable_capacity);
  s.qpack_blocked_streams = static_cast<std::size_t>(settings.qpack_blocked_streams);
  s.enable_connect_protocol = settings.enable_connect_protocol ? 1 : 0;
  // nghttp3's per-stream blocks from the per-thread free lists nghttp2 uses.
  static const nghttp3_mem mem{nullptr, http2::recycling::malloc, http2::recycling::free,
                               http2::recycling::calloc, http2::recycling::realloc};
  if (nghttp3_conn_server_new(&c_, &cb, &s, &mem, this) != 0) {
    c_ = nullptr;
    failed_ = true;
    error_code_ = kInternalError;
  }
}

ServerSession::~ServerSession() {
  // nghttp3 may still point into stream buffers: delete it first.
  nghttp3_conn_del(c_);
}

bool ServerSession::start(StreamId control, StreamId qpack_encoder, StreamId qpack_decoder) {
  if (failed_ || started_) return false;
  int rv = nghttp3_conn_bind_control_stream(c_, control);
  if (rv == 0) rv = nghttp3_conn_bind_qpack_streams(c_, qpack_encoder, qpack_decoder);
  if (rv != 0) {
    failed_ = true;
    error_code_ = nghttp3_err_infer_quic_app_error_code(rv);
    return false;
  }
  started_ = true;
  if (shutdown_ && nghttp3_conn_shutdown(c_) != 0) return fail(NGHTTP3_ERR_NOMEM, -1);
  return true;
}

void ServerSession::set_max_client_streams_bidi(std::uint64_t max_streams) {
  if (c_) nghttp3_conn_set_max_client_streams_bidi(c_, max_streams);
}

bool ServerSession::fail(int liberr, int kind) {
  if (!failed_) {
    failed_ = true;
    error_code_ = nghttp3_err_infer_quic_app_error_code(liberr);
    if (kind >= 0) ev_.on_error(static_cast<PeerError>(kind));
  }
  return false;
}

bool ServerSession::receive(StreamId sid, std::span<const std::uint8_t> data, bool fin) {
  if (failed_) return false;
  if (!started_) {
    // nghttp3 asserts when a response is submitted before our streams
    // are bound: start() must come first.
    failed_ = true;
    error_code_ = kInternalError;
    return false;
  }
  in_lib_ = true;
  auto rv = nghttp3_conn_read_stream(c_, sid, data.data(), data.size(), fin ? 1 : 0);
  in_lib_ = false;
  if (rv < 0) return fail(static_cast<int>(rv), kErrProtocol);
  if (rv > 0) quic_.consumed(sid, static_cast<std::uint64_t>(rv));
  flush();
  return !failed_;
}

std::int64_t ServerSession::next_write(StreamId& sid, bool& fin, std::span<nghttp3_vec> vecs) {
  sid = -1;
  fin = false;
  if (failed_) return -1;
  int pfin = 0;
  in_lib_ = true;
  auto rv = nghttp3_conn_writev_stream(c_, &sid, &pfin, vecs.data(), vecs.size());
  in_lib_ = false;
  if (rv < 0) {
    sid = -1;
    fail(static_cast<int>(rv), -1);
    return -1;
  }
  fin = pfin != 0;
  flush();
  return rv;
}

bool ServerSession::wrote(StreamId sid, std::size_t n) {
  if (failed_) return false;
  if (auto* s = find(sid)) s->sent += n;
  int rv = nghttp3_conn_add_write_offset(c_, sid, n);
  return rv == 0 || fail(rv, -1);
}

bool ServerSession::acked(StreamId sid, std::uint64_t n) {
  if (failed_) return false;
  if (auto* s = find(sid)) s->stream_acked += n;
  in_lib_ = true;
  int rv = nghttp3_conn_add_ack_offset(c_, sid, n);
  in_lib_ = false;
  flush();
  return rv == 0 || fail(rv, -1);
}

void ServerSession::block(StreamId sid) {
  if (c_) nghttp3_conn_block_stream(c_, sid);
}

void ServerSession::shutdown_write(StreamId sid) {
  if (c_) nghttp3_conn_shutdown_stream_write(c_, sid);
}

bool ServerSession::unblock(StreamId sid) {
  if (failed_) return false;
  int rv = nghttp3_conn_unblock_stream(c_, sid);
  return rv == 0 || fail(rv, -1);
}

bool ServerSession::stream_closed(StreamId sid, std::uint64_t app_error) {
  if (failed_) return false;
  if (app_error == 0) app_error = kNoError;
  in_lib_ = true;
  int rv = nghttp3_conn_close_stream(c_, sid, app_error);
  in_lib_ = false;
  flush();
  if (rv == NGHTTP3_ERR_STREAM_NOT_FOUND) {
    // Never seen by nghttp3 (no data arrived), or already gone.
    if (!find(sid) && (sid & 0x3) == 0) quic_.stream_done(sid);
    return true;
  }
  if (rv == NGHTTP3_ERR_H3_CLOSED_CRITICAL_STREAM) return fail(rv, kErrProtocol);
  return rv == 0 || fail(rv, -1);
}

bool ServerSession::peer_reset(StreamId sid, std::uint64_t) {
  if (failed_) return false;
  int rv = nghttp3_conn_shutdown_stream_read(c_, sid);
  if (rv != 0) return fail(rv, -1);
  auto* s = find(sid);
  if (s && !s->req_ended && !s->read_stopped) {
    s->read_stopped = true;
    discard_body(*s);
    wake(*s);
  }
  return true;
}

bool ServerSession::peer_stop_sending(StreamId sid, std::uint64_t) {
  if (failed_) return false;
  // QUIC answers STOP_SENDING with RESET_STREAM itself; nghttp3 just stops
  // scheduling the stream.
  nghttp3_conn_shutdown_stream_write(c_, sid);
  auto* s = find(sid);
  if (s && !s->write_shut) {
    s->write_shut = true;
    wake(*s);
  }
  return true;
}

ServerSession::Stream* ServerSession::find(StreamId sid) const {
  return streams_.get(sid);
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
  streams_.put(sid, std::move(s));
  return p;
}

void ServerSession::destroy(StreamId sid) {
  auto it = streams_.find(sid);
  if (it == streams_.end()) return;
  auto s = streams_.take(it);
  if (free_.size() < 16) {
    s->clear();
    free_.push_back(std::move(s));
  }
  quic_.stream_done(sid);
}

void ServerSession::wake(Stream& s) {
  if (s.user) ev_.on_stream_wake(s.id, s.user);
}

void ServerSession::defer(StreamId sid, DeferredOp op) {
  deferred_.emplace_back(sid, op);
  if (!in_lib_) flush();
}

void ServerSession::flush() {
  while (!deferred_.empty() && !failed_) {
    auto [sid, op] = deferred_.front();
    deferred_.erase(deferred_.begin());
    switch (op) {
      case kOpStopNoError:
        if (auto* s = find(sid)) stop_reading(*s, kNoError);
        break;
      case kOpShutRead:
        if (int rv = nghttp3_conn_shutdown_stream_read(c_, sid); rv != 0) fail(rv, -1);
        break;
      case kOpShutWrite:
        nghttp3_conn_shutdown_stream_write(c_, sid);
        break;
    }
  }
}

void ServerSession::discard_body(Stream& s) {
  if (s.unread()) quic_.consumed(s.id, s.unread());
  s.body.clear();
  s.body_off = 0;
}

void ServerSession::stop_reading(Stream& s, std::uint64_t code) {
  if (s.read_stopped || s.req_ended || s.closed) return;
  s.read_stopped = true;
  discard_body(s);
  quic_.shutdown_stream_read(s.id, code);
  defer(s.id, kOpShutRead);
}

void ServerSession::response_done(Stream& s) {
  // Response complete while the client still sends: ask it to stop
  // without error (RFC 9114 4.1); a CONNECT tunnel stays half-closed.
  if (!s.req_ended && !s.read_stopped && s.req.method != "CONNECT") defer(s.id, kOpStopNoError);
}

void ServerSession::finish_head(Stream& s) {
  if (s.ignored) return;
  if (s.too_large) {
    ev_.on_error(static_cast<PeerError>(kErrHeaderList));
    reject(s, 431);
    return;
  }
  if (s.req.content_length && *s.req.content_length > limits_.max_body) {
    ev_.on_error(static_cast<PeerError>(kErrBody));
    reject(s, 413);
    return;
  }
  // RFC 9114 4.2.1: cookie crumbs are joined with "; " for HTTP/1.1 peers.
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
  build_nv(r.headers, true, status);
  s.resp_started = true;
  s.resp_eof = true;
  if (nghttp3_conn_submit_response(c_, s.id, nv_->nv.data(), nv_->nv.size(), nullptr) == 0)
    response_done(s);
}

void ServerSession::build_nv(const http::Headers& h, bool with_date, int status) {
  auto& nv = nv_->nv;
  nv.clear();
  if (status) {
    std::to_chars(nv_->status, nv_->status + 3, status);
    nv.push_back(make_nv(":status", std::string_view(nv_->status, 3)));
  }
  for (const auto& f : h)
    if (!connection_specific(f.name)) nv.push_back(make_nv(f.name, f.value));
  if (with_date) {
    if (!h.has("date")) nv.push_back(make_nv("date", http_date()));
    if (!h.has("server")) nv.push_back(make_nv("server", "strata"));
  }
}

http::Request& ServerSession::request(StreamId sid) { return find(sid)->req; }

std::string_view ServerSession::connect_protocol(StreamId sid) const {
  auto* s = find(sid);
  return s ? std::string_view(s->connect_protocol) : std::string_view();
}

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
  quic_.consumed(sid, n);
  return n;
}

BodyState ServerSession::body_state(StreamId sid) const {
  auto* s = find(sid);
  if (!s) return BodyState::reset;
  if (s->overflow) return BodyState::overflow;
  if (s->unread()) return BodyState::more;
  if (s->req_ended) return BodyState::ended;
  if (s->closed || s->read_stopped) return BodyState::reset;
  return BodyState::more;
}

const http::Headers* ServerSession::request_trailers(StreamId sid) const {
  auto* s = find(sid);
  return s && s->has_trailers ? &s->trailers : nullptr;
}

bool ServerSession::writable(StreamId sid) const {
  auto* s = find(sid);
  return s && !s->closed && !s->write_shut && !failed_;
}

bool ServerSession::submit_interim(StreamId sid, const http::Response& r) {
  auto* s = find(sid);
  if (!writable(sid) || s->resp_started || r.status < 100 || r.status > 199) return false;
  build_nv(r.headers, false, r.status);
  return nghttp3_conn_submit_info(c_, sid, nv_->nv.data(), nv_->nv.size()) == 0;
}

void ServerSession::set_priority(StreamId sid, std::uint8_t urgency, bool incremental) {
  if (!writable(sid)) return;
  nghttp3_pri cur{};
  if (nghttp3_conn_get_stream_priority(c_, &cur, sid) != 0) return;
  if (cur.urgency != NGHTTP3_DEFAULT_URGENCY || cur.inc != 0) return;  // the client's signal
  nghttp3_pri p{urgency, incremental ? 1 : 0};
  (void)nghttp3_conn_set_stream_priority(c_, sid, &p);
}

bool ServerSession::submit_response(StreamId sid, const http::Response& r, bool end_stream) {
  auto* s = find(sid);
  if (!writable(sid) || s->resp_started || r.status < 200 || r.status > 999) return false;
  s->resp_started = true;
  s->drop_body = s->head_req || r.status == 204 || r.status == 304;
  build_nv(r.headers, true, r.status);
  nghttp3_data_reader dr{&read_response_data};
  if (end_stream) s->resp_eof = true;
  if (nghttp3_conn_submit_response(c_, sid, nv_->nv.data(), nv_->nv.size(),
                                   end_stream ? nullptr : &dr) != 0)
    return false;
  if (end_stream) response_done(*s);
  return true;
}

bool ServerSession::submit_data(StreamId sid, std::span<const char> data, bool end_stream) {
  auto* s = find(sid);
  if (!writable(sid) || !s->resp_started || s->resp_eof) return false;
  if (!s->drop_body) s->out.append(data.data(), data.size());
  if (end_stream) s->resp_eof = true;
  return nghttp3_conn_resume_stream(c_, sid) == 0;
}

bool ServerSession::submit_trailers(StreamId sid, const http::Headers& t) {
  auto* s = find(sid);
  if (!writable(sid) || !s->resp_started || s->resp_eof) return false;
  build_nv(t, false, 0);
  if (nghttp3_conn_submit_trailers(c_, sid, nv_->nv.data(), nv_->nv.size()) != 0) return false;
  s->trailers_sent = true;
  s->resp_eof = true;
  return nghttp3_conn_resume_stream(c_, sid) == 0;
}

std::size_t ServerSession::buffered(StreamId sid) const {
  auto* s = find(sid);
  if (!s) return 0;
  // Body bytes not acknowledged, less those in flight. The in-flight count
  // is stream-level, so it includes the few bytes of frame headers in
  // flight: a slight undercount of what waits, never a growing one.
  const std::uint64_t in_flight = s->sent - std::min(s->sent, s->stream_acked);
  const std::size_t held = s->out.unacked();
  return held - static_cast<std::size_t>(std::min<std::uint64_t>(held, in_flight));
}

std::size_t ServerSession::unacked(StreamId sid) const {
  auto* s = find(sid);
  return s ? s->out.unacked() : 0;
}

void ServerSession::reset(StreamId sid, std::uint64_t code) {
  auto* s = find(sid);
  if (!s || s->closed || failed_) return;
  if (!s->write_shut) {
    s->write_shut = true;
    quic_.reset_stream(sid, code);
    defer(sid, kOpShutWrite);
  }
  if (!s->read_stopped && !s->req_ended) stop_reading(*s, code);
}

std::string_view peer_error_name(PeerError e) {
  auto i = static_cast<int>(e);
  return i >= 0 && i < kErrKinds ? kErrorNames[i] : "other";
}

core::Clock::time_point ServerSession::oldest_pending_head() const {
  auto t = core::Clock::time_point::max();
  for (const auto& [id, s] : streams_)
    if (!s->dispatched && !s->ignored && !s->closed) t = std::min(t, s->req.start);
  return t;
}

std::size_t ServerSession::expire_heads(core::Clock::time_point cutoff) {
  std::vector<StreamId> stale;
  for (const auto& [id, s] : streams_)
    if (!s->dispatched && !s->ignored && !s->closed && s->req.start <= cutoff) stale.push_back(id);
  for (auto sid : stale) {
    find(sid)->ignored = true;
    reset(sid, kRequestCancelled);
  }
  return stale.size();
}

void ServerSession::release(StreamId sid) {
  auto* s = find(sid);
  if (!s) return;
  s->user = nullptr;
  s->released = true;
  discard_body(*s);
  if (s->closed) destroy(sid);
}

void ServerSession::shutdown() {
  if (shutdown_ || failed_) return;
  shutdown_ = true;
  // nghttp3 0.8 needs no shutdown notice first: the GOAWAY carries the
  // last accepted request stream + 4; later streams are rejected.
  if (started_ && nghttp3_conn_shutdown(c_) != 0) fail(NGHTTP3_ERR_NOMEM, -1);
}

}  // namespace strata::codec::http3
