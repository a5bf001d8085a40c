#include "tools/load/h2_client_session.hpp"

#include <algorithm>
#include <charconv>
#include <cstring>

#include <nghttp2/nghttp2.h>

namespace strata::tools::load {

struct H2Callbacks {
  static H2ClientSession& self(void* p) { return *static_cast<H2ClientSession*>(p); }

  static int on_header(nghttp2_session*, const nghttp2_frame* f, const uint8_t* name,
                       size_t namelen, const uint8_t* value, size_t valuelen, uint8_t,
                       void* ud) {
    if (f->hd.type != NGHTTP2_HEADERS) return 0;
    auto& s = self(ud);
    std::string_view n(reinterpret_cast<const char*>(name), namelen);
    std::string_view v(reinterpret_cast<const char*>(value), valuelen);
    if (n == ":status") {
      int code = 0;
      std::from_chars(v.data(), v.data() + v.size(), code);
      if (code >= 200 || code == 101) s.l_.on_response_head(f->hd.stream_id, code);
      return 0;
    }
    if (s.s_.capture_headers) s.l_.on_header(f->hd.stream_id, n, v);
    return 0;
  }

  static int on_data(nghttp2_session*, uint8_t, int32_t stream, const uint8_t*, size_t len,
                     void* ud) {
    self(ud).l_.on_data(stream, len);
    return 0;
  }

  static int on_close(nghttp2_session*, int32_t stream, uint32_t code, void* ud) {
    auto& s = self(ud);
    auto it = std::find_if(s.bodies_.begin(), s.bodies_.end(),
                           [&](const H2ClientSession::Body& b) { return b.stream == stream; });
    if (it != s.bodies_.end()) s.bodies_.erase(it);
    s.l_.on_close(stream, code);
    return 0;
  }

  static int on_frame(nghttp2_session*, const nghttp2_frame* f, void* ud) {
    if (f->hd.type == NGHTTP2_GOAWAY) self(ud).goaway_ = true;
    return 0;
  }

  // Connection-level errors nghttp2 detects while processing input (it then
  // queues GOAWAY and returns success from mem_recv).
  static int on_error(nghttp2_session*, int lib_error, const char* msg, size_t len, void* ud) {
    auto& s = self(ud);
    if (lib_error != 0 && s.error_.empty()) s.error_.assign(msg, len);
    if (lib_error != 0) s.conn_error_ = true;
    return 0;
  }

  static ssize_t read_body(nghttp2_session*, int32_t stream, uint8_t* buf, size_t len,
                           uint32_t* flags, nghttp2_data_source* src, void*) {
    auto* b = static_cast<H2ClientSession::Body*>(src->ptr);
    (void)stream;
    const std::size_t n = std::min(len, b->data.size() - b->off);
    std::memcpy(buf, b->data.data() + b->off, n);
    b->off += n;
    if (b->off == b->data.size()) *flags |= NGHTTP2_DATA_FLAG_EOF;
    return ssize_t(n);
  }
};

H2ClientSession::H2ClientSession(Listener& l, const Settings& s) : l_(l), s_(s) {
  nghttp2_session_callbacks* cb = nullptr;
  nghttp2_session_callbacks_new(&cb);
  nghttp2_session_callbacks_set_on_header_callback(cb, &H2Callbacks::on_header);
  nghttp2_session_callbacks_set_on_data_chunk_recv_callback(cb, &H2Callbacks::on_data);
  nghttp2_session_callbacks_set_on_stream_close_callback(cb, &H2Callbacks::on_close);
  nghttp2_session_callbacks_set_on_frame_recv_callback(cb, &H2Callbacks::on_frame);
  nghttp2_session_callbacks_set_error_callback2(cb, &H2Callbacks::on_error);
  nghttp2_option* opt = nullptr;
  nghttp2_option_new(&opt);
  nghttp2_option_set_peer_max_concurrent_streams(opt, 100);
  nghttp2_session_client_new2(&ng_, cb, this, opt);
  nghttp2_option_del(opt);
  nghttp2_session_callbacks_del(cb);
  const nghttp2_settings_entry iv[] = {
      {NGHTTP2_SETTINGS_ENABLE_PUSH, 0},
      {NGHTTP2_SETTINGS_MAX_CONCURRENT_STREAMS, s_.max_concurrent_streams},
      {NGHTTP2_SETTINGS_INITIAL_WINDOW_SIZE, s_.initial_window},
  };
  nghttp2_submit_settings(ng_, NGHTTP2_FLAG_NONE, iv, sizeof(iv) / sizeof(iv[0]));
  nghttp2_session_set_local_window_size(ng_, NGHTTP2_FLAG_NONE, 0, s_.connection_window);
}

H2ClientSession::~H2ClientSession() { nghttp2_session_del(ng_); }

std::int32_t H2ClientSession::submit(
    std::span<const std::pair<std::string_view, std::string_view>> headers,
    std::string_view body) {
  nghttp2_nv nva[64];
  const std::size_t n = std::min<std::size_t>(headers.size(), 64);
  for (std::size_t i = 0; i < n; ++i) {
    auto& h = headers[i];
    nva[i] = {const_cast<uint8_t*>(reinterpret_cast<const uint8_t*>(h.first.data())),
              const_cast<uint8_t*>(reinterpret_cast<const uint8_t*>(h.second.data())),
              h.first.size(), h.second.size(),
              NGHTTP2_NV_FLAG_NO_COPY_NAME | NGHTTP2_NV_FLAG_NO_COPY_VALUE};
  }
  if (body.empty()) return nghttp2_submit_request(ng_, nullptr, nva, n, nullptr, nullptr);
  bodies_.push_back(Body{0, body, 0});
  nghttp2_data_provider dp;
  dp.source.ptr = &bodies_.back();
  dp.read_callback = &H2Callbacks::read_body;
  const std::int32_t id = nghttp2_submit_request(ng_, nullptr, nva, n, &dp, nullptr);
  if (id < 0) bodies_.pop_back();
  else bodies_.back().stream = id;
  return id;
}

bool H2ClientSession::feed(std::span<const char> in) {
  const ssize_t r = nghttp2_session_mem_recv(ng_, reinterpret_cast<const uint8_t*>(in.data()),
                                             in.size());
  if (r < 0) {
    error_ = nghttp2_strerror(int(r));
    return false;
  }
  return !conn_error_;
}

bool H2ClientSession::drain(std::string& out) {
  for (;;) {
    const uint8_t* p = nullptr;
    const ssize_t n = nghttp2_session_mem_send(ng_, &p);
    if (n < 0) {
      error_ = nghttp2_strerror(int(n));
      return false;
    }
    if (n == 0) return true;
    out.append(reinterpret_cast<const char*>(p), std::size_t(n));
  }
}

bool H2ClientSession::want_write() const { return nghttp2_session_want_write(ng_) != 0; }

bool H2ClientSession::alive() const {
  return nghttp2_session_want_read(ng_) != 0 || nghttp2_session_want_write(ng_) != 0;
}

std::uint32_t H2ClientSession::remote_max_streams() const {
  return nghttp2_session_get_remote_settings(ng_, NGHTTP2_SETTINGS_MAX_CONCURRENT_STREAMS);
}

void H2ClientSession::terminate() { nghttp2_session_terminate_session(ng_, NGHTTP2_NO_ERROR); }

}  // namespace strata::tools::load
