// Test helper: an in-process nghttp2 client session that records what the
// server sends. Bytes move by hand (send()/recv()), so tests run without I/O.
#pragma once
#include <nghttp2/nghttp2.h>

#include <algorithm>
#include <cstring>
#include <map>
#include <string>
#include <utility>
#include <vector>

namespace strata::test {

class H2Client {
 public:
  struct Response {
    std::string status;
    std::vector<std::pair<std::string, std::string>> headers;
    std::vector<std::pair<std::string, std::string>> trailers;
    std::string body;
    bool closed = false;
    uint32_t close_code = 0;
    // request body still to send
    std::string req_body;
    std::size_t req_off = 0;
    std::vector<std::pair<std::string, std::string>> req_trailers;  // sent after the body
    std::string header(const std::string& n) const {
      for (auto& [k, v] : headers)
        if (k == n) return v;
      return {};
    }
  };

  explicit H2Client(uint32_t window = 65535) {
    nghttp2_session_callbacks* cb;
    nghttp2_session_callbacks_new(&cb);
    nghttp2_session_callbacks_set_on_header_callback(cb, &on_header);
    nghttp2_session_callbacks_set_on_data_chunk_recv_callback(cb, &on_data);
    nghttp2_session_callbacks_set_on_stream_close_callback(cb, &on_close);
    nghttp2_session_callbacks_set_on_frame_recv_callback(cb, &on_frame);
    nghttp2_session_client_new(&s_, cb, this);
    nghttp2_session_callbacks_del(cb);
    nghttp2_settings_entry iv[] = {{NGHTTP2_SETTINGS_INITIAL_WINDOW_SIZE, window}};
    nghttp2_submit_settings(s_, NGHTTP2_FLAG_NONE, iv, 1);
    if (window > 65535) nghttp2_session_set_local_window_size(s_, NGHTTP2_FLAG_NONE, 0, 1 << 30);
  }
  ~H2Client() { nghttp2_session_del(s_); }
  H2Client(const H2Client&) = delete;
  H2Client& operator=(const H2Client&) = delete;

  nghttp2_session* raw() { return s_; }

  // Submits a request; `body` (if has_body) is sent with END_STREAM at its end.
  int32_t request(const std::string& method, const std::string& path,
                  std::vector<std::pair<std::string, std::string>> headers = {},
                  const std::string* body = nullptr) {
    std::vector<std::pair<std::string, std::string>> all = {
        {":method", method}, {":scheme", "http"}, {":authority", "example.com"}, {":path", path}};
    for (auto& h : headers) all.push_back(h);
    std::vector<nghttp2_nv> nv;
    for (auto& [n, v] : all)
      nv.push_back({(uint8_t*)n.data(), (uint8_t*)v.data(), n.size(), v.size(),
                    NGHTTP2_NV_FLAG_NONE});
    nghttp2_data_provider prd{};
    prd.read_callback = &read_body;
    int32_t id = nghttp2_submit_request(s_, nullptr, nv.data(), nv.size(), body ? &prd : nullptr, nullptr);
    if (id > 0 && body) streams_[id].req_body = *body;
    return id;
  }

  std::string send() {
    std::string out;
    for (int i = 0; i < 100000; ++i) {
      const uint8_t* p;
      auto n = nghttp2_session_mem_send(s_, &p);
      if (n <= 0) break;
      out.append(reinterpret_cast<const char*>(p), n);
    }
    return out;
  }
  int recv(const std::string& in) {
    return (int)nghttp2_session_mem_recv(s_, reinterpret_cast<const uint8_t*>(in.data()), in.size());
  }

  Response& stream(int32_t id) { return streams_[id]; }
  bool got_goaway = false;
  uint32_t goaway_code = 0;
  int32_t goaway_last = -1;
  int settings_seen = 0;

 private:
  static H2Client& me(void* u) { return *static_cast<H2Client*>(u); }
  static int on_header(nghttp2_session*, const nghttp2_frame* f, const uint8_t* n, size_t nl,
                       const uint8_t* v, size_t vl, uint8_t, void* u) {
    auto& r = me(u).streams_[f->hd.stream_id];
    std::string name((const char*)n, nl), value((const char*)v, vl);
    if (f->headers.cat == NGHTTP2_HCAT_HEADERS && !r.status.empty() && r.status[0] != '1') {
      r.trailers.emplace_back(name, value);
    } else if (name == ":status") {
      r.status = value;
      if (value[0] != '1') r.headers.clear();
    } else {
      r.headers.emplace_back(name, value);
    }
    return 0;
  }
  static int on_data(nghttp2_session*, uint8_t, int32_t id, const uint8_t* d, size_t n, void* u) {
    me(u).streams_[id].body.append((const char*)d, n);
    return 0;
  }
  static int on_close(nghttp2_session*, int32_t id, uint32_t code, void* u) {
    auto& r = me(u).streams_[id];
    r.closed = true;
    r.close_code = code;
    return 0;
  }
  static int on_frame(nghttp2_session*, const nghttp2_frame* f, void* u) {
    if (f->hd.type == NGHTTP2_GOAWAY) {
      me(u).got_goaway = true;
      me(u).goaway_code = f->goaway.error_code;
      me(u).goaway_last = f->goaway.last_stream_id;
    } else if (f->hd.type == NGHTTP2_SETTINGS && !(f->hd.flags & NGHTTP2_FLAG_ACK)) {
      ++me(u).settings_seen;
    }
    return 0;
  }
  static ssize_t read_body(nghttp2_session*, int32_t id, uint8_t* buf, size_t len, uint32_t* flags,
                           nghttp2_data_source*, void* u) {
    auto& r = me(u).streams_[id];
    std::size_t n = std::min(len, r.req_body.size() - r.req_off);
    std::memcpy(buf, r.req_body.data() + r.req_off, n);
    r.req_off += n;
    if (r.req_off == r.req_body.size()) {
      *flags |= NGHTTP2_DATA_FLAG_EOF;
      if (!r.req_trailers.empty()) {
        std::vector<nghttp2_nv> nv;
        for (auto& [k, v] : r.req_trailers)
          nv.push_back({(uint8_t*)k.data(), (uint8_t*)v.data(), k.size(), v.size(),
                        NGHTTP2_NV_FLAG_NONE});
        if (nghttp2_submit_trailer(me(u).s_, id, nv.data(), nv.size()) == 0)
          *flags |= NGHTTP2_DATA_FLAG_NO_END_STREAM;
      }
    }
    return (ssize_t)n;
  }

  nghttp2_session* s_ = nullptr;
  std::map<int32_t, Response> streams_;
};

// Raw frame bytes for hand-made abuse cases.
inline std::string h2_frame(uint8_t type, uint8_t flags, uint32_t sid, const std::string& payload) {
  std::string f;
  uint32_t len = payload.size();
  f.push_back(char(len >> 16));
  f.push_back(char(len >> 8));
  f.push_back(char(len));
  f.push_back(char(type));
  f.push_back(char(flags));
  f.push_back(char((sid >> 24) & 0x7f));
  f.push_back(char(sid >> 16));
  f.push_back(char(sid >> 8));
  f.push_back(char(sid));
  return f + payload;
}

inline const std::string kH2Preface = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n";

}  // namespace strata::test
