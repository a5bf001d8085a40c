// The load tool's nghttp2 client adapter against a bare nghttp2 server
// session, bytes passed in memory (no I/O).
#include "tools/load/h2_client_session.hpp"

#include <map>
#include <string>

#include <gtest/gtest.h>
#include <nghttp2/nghttp2.h>

using strata::tools::load::H2ClientSession;

namespace {

struct Events : H2ClientSession::Listener {
  std::map<int, int> status;
  std::map<int, std::size_t> body;
  std::map<int, std::uint32_t> closed;
  std::map<std::string, std::string> headers;
  void on_response_head(std::int32_t s, int code) override { status[s] = code; }
  void on_header(std::int32_t, std::string_view n, std::string_view v) override {
    headers[std::string(n)] = std::string(v);
  }
  void on_data(std::int32_t s, std::size_t n) override { body[s] += n; }
  void on_close(std::int32_t s, std::uint32_t code) override { closed[s] = code; }
};

// A tiny server: answers every request with 200 + "x" * body_size, or resets
// stream 3 when asked; counts request body bytes.
struct Server {
  nghttp2_session* ng = nullptr;
  std::size_t body_size = 10;
  bool reset_stream3 = false;
  std::size_t request_body = 0;
  std::string payload;

  static ssize_t read_cb(nghttp2_session*, int32_t, uint8_t* buf, size_t len, uint32_t* flags,
                         nghttp2_data_source* src, void*) {
    auto* left = static_cast<std::size_t*>(src->ptr);
    const std::size_t n = std::min(len, *left);
    std::memset(buf, 'x', n);
    *left -= n;
    if (*left == 0) *flags |= NGHTTP2_DATA_FLAG_EOF;
    return ssize_t(n);
  }
  std::map<int, std::size_t> left;

  Server() {
    nghttp2_session_callbacks* cb;
    nghttp2_session_callbacks_new(&cb);
    nghttp2_session_callbacks_set_on_frame_recv_callback(
        cb, [](nghttp2_session* s, const nghttp2_frame* f, void* ud) -> int {
          auto* self = static_cast<Server*>(ud);
          if ((f->hd.type == NGHTTP2_HEADERS || f->hd.type == NGHTTP2_DATA) &&
              (f->hd.flags & NGHTTP2_FLAG_END_STREAM)) {
            const int id = f->hd.stream_id;
            if (self->reset_stream3 && id == 3) {
              nghttp2_submit_rst_stream(s, NGHTTP2_FLAG_NONE, id, NGHTTP2_INTERNAL_ERROR);
              return 0;
            }
            self->left[id] = self->body_size;
            nghttp2_nv nv[] = {{(uint8_t*)":status", (uint8_t*)"200", 7, 3, 0},
                               {(uint8_t*)"alt-svc", (uint8_t*)"h3=\":443\"", 7, 9, 0}};
            nghttp2_data_provider dp;
            dp.source.ptr = &self->left[id];
            dp.read_callback = &Server::read_cb;
            nghttp2_submit_response(s, id, nv, 2, &dp);
          }
          return 0;
        });
    nghttp2_session_callbacks_set_on_data_chunk_recv_callback(
        cb, [](nghttp2_session*, uint8_t, int32_t, const uint8_t*, size_t len, void* ud) -> int {
          static_cast<Server*>(ud)->request_body += len;
          return 0;
        });
    nghttp2_session_server_new(&ng, cb, this);
    nghttp2_session_callbacks_del(cb);
    nghttp2_submit_settings(ng, NGHTTP2_FLAG_NONE, nullptr, 0);
  }
  ~Server() { nghttp2_session_del(ng); }

  std::string pump(const std::string& in) {
    EXPECT_GE(nghttp2_session_mem_recv(ng, reinterpret_cast<const uint8_t*>(in.data()), in.size()), 0);
    std::string out;
    for (;;) {
      const uint8_t* p;
      const ssize_t n = nghttp2_session_mem_send(ng, &p);
      if (n <= 0) break;
      out.append(reinterpret_cast<const char*>(p), std::size_t(n));
    }
    return out;
  }
};

using HV = std::pair<std::string_view, std::string_view>;
const HV kGet[] = {{":method", "GET"}, {":scheme", "http"}, {":authority", "a"}, {":path", "/"}};

// Exchanges bytes until both sides are quiet (bounded).
void converse(H2ClientSession& c, Server& s) {
  for (int i = 0; i < 50; ++i) {
    std::string out;
    ASSERT_TRUE(c.drain(out));
    std::string back = s.pump(out);
    if (out.empty() && back.empty()) return;
    ASSERT_TRUE(c.feed(back)) << c.error();
  }
  FAIL() << "no quiescence";
}

}  // namespace

TEST(LoadH2ClientSession, ConcurrentRequestsCompleteWithStatusAndBody) {
  Events ev;
  H2ClientSession c(ev, {.capture_headers = true});
  Server s;
  s.body_size = 100000;  // beyond the 64 KiB default window: our SETTINGS must apply
  const int a = c.submit(kGet, {});
  const int b = c.submit(kGet, {});
  ASSERT_EQ(a, 1);
  ASSERT_EQ(b, 3);
  converse(c, s);
  EXPECT_EQ(ev.status[a], 200);
  EXPECT_EQ(ev.body[a], 100000u);
  EXPECT_EQ(ev.body[b], 100000u);
  EXPECT_EQ(ev.closed.at(a), 0u);
  EXPECT_EQ(ev.closed.at(b), 0u);
  EXPECT_EQ(ev.headers["alt-svc"], "h3=\":443\"");
  EXPECT_EQ(c.remote_max_streams(), 0xffffffffu);  // server sent no limit
}

TEST(LoadH2ClientSession, RequestBodyIsSentAndResetsAreReported) {
  Events ev;
  H2ClientSession c(ev, {});
  Server s;
  s.reset_stream3 = true;
  const HV post[] = {{":method", "POST"}, {":scheme", "http"}, {":authority", "a"}, {":path", "/"}};
  const std::string body(40000, 'b');
  const int a = c.submit(post, body);
  const int b = c.submit(post, body);
  converse(c, s);
  EXPECT_EQ(s.request_body, 80000u);
  EXPECT_EQ(ev.closed.at(a), 0u);
  EXPECT_EQ(ev.closed.at(b), std::uint32_t(NGHTTP2_INTERNAL_ERROR));
  EXPECT_EQ(ev.status.count(b), 0u);
}

TEST(LoadH2ClientSession, GarbageFromTheServerIsAProtocolError) {
  Events ev;
  H2ClientSession c(ev, {});
  std::string out;
  ASSERT_TRUE(c.drain(out));
  EXPECT_EQ(out.substr(0, 24), "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n");
  // Not a SETTINGS frame first.
  EXPECT_FALSE(c.feed(std::string("HTTP/1.1 400 Bad Request\r\n\r\n")));
  EXPECT_FALSE(c.error().empty());
}
