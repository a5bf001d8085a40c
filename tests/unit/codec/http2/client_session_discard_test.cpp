// ClientSession as the load tool drives it (discard mode: bodies counted,
// not kept) against a bare nghttp2 server session, bytes passed in memory
// (no I/O). Moved from tests/unit/tools/load/h2_client_session_test.cpp when
// the load tool's own nghttp2 client was replaced by ClientSession.
#include "codec/http2/client_session.hpp"

#include <cstring>
#include <map>
#include <string>

#include <gtest/gtest.h>
#include <nghttp2/nghttp2.h>

using strata::codec::http2::ClientEvents;
using strata::codec::http2::ClientLimits;
using strata::codec::http2::ClientSession;
using strata::codec::http2::ClientStreamId;

namespace {

struct Events : ClientEvents {
  void on_stream_wake(ClientStreamId, void*) override {}
  void on_goaway(ClientStreamId, std::uint32_t) override {}
  void on_settings() override {}
};

// The load tool's settings: windows beyond the 64 KiB default.
ClientLimits load_limits() {
  ClientLimits l;
  l.initial_window = 1u << 24;
  l.connection_window = 1u << 30;
  return l;
}

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

const strata::http::Headers kNone;

// Exchanges bytes until both sides are quiet (bounded).
void converse(ClientSession& c, Server& s) {
  for (int i = 0; i < 50; ++i) {
    std::string out;
    ASSERT_TRUE(c.send(out, 1 << 20));
    std::string back = s.pump(out);
    if (out.empty() && back.empty()) return;
    ASSERT_TRUE(c.receive(back));
  }
  FAIL() << "no quiescence";
}

}  // namespace

TEST(H2ClientSessionDiscard, ConcurrentRequestsCompleteWithStatusAndBody) {
  Events ev;
  ClientSession c(load_limits(), ev);
  c.set_discard_responses(true);
  c.start();
  Server s;
  s.body_size = 100000;  // beyond the 64 KiB default window: our SETTINGS must apply
  int tag = 0;
  const int a = c.submit_request("GET", "http", "a", "/", kNone, true, &tag);
  const int b = c.submit_request("GET", "http", "a", "/", kNone, true, &tag);
  ASSERT_EQ(a, 1);
  ASSERT_EQ(b, 3);
  converse(c, s);
  ASSERT_TRUE(c.find(a) && c.find(b));
  EXPECT_EQ(c.find(a)->response.status, 200);
  EXPECT_EQ(c.find(a)->discarded, 100000u);
  EXPECT_EQ(c.find(b)->discarded, 100000u);
  EXPECT_TRUE(c.find(a)->closed);
  EXPECT_EQ(c.find(a)->close_code, 0u);
  EXPECT_EQ(c.find(b)->close_code, 0u);
  EXPECT_TRUE(c.find(a)->response.headers.empty());  // discard mode keeps the status only
  EXPECT_EQ(c.find(a)->unread(), 0u);
  EXPECT_EQ(c.peer_max_concurrent(), 0xffffffffu);  // server sent no limit
}

TEST(H2ClientSessionDiscard, HeadersAreKeptWithoutDiscard) {
  Events ev;
  ClientSession c(load_limits(), ev);
  c.start();
  Server s;
  const int a = c.submit_request("GET", "http", "a", "/", kNone, true, nullptr);
  converse(c, s);
  ASSERT_TRUE(c.find(a));
  EXPECT_EQ(c.find(a)->response.headers.get("alt-svc"), "h3=\":443\"");
  EXPECT_EQ(c.find(a)->unread(), 10u);
}

TEST(H2ClientSessionDiscard, RequestBodyIsSentAndResetsAreReported) {
  Events ev;
  ClientSession c(load_limits(), ev);
  c.set_discard_responses(true);
  c.start();
  Server s;
  s.reset_stream3 = true;
  const std::string body(40000, 'b');
  const int a = c.submit_request("POST", "http", "a", "/", kNone, false, nullptr);
  ASSERT_TRUE(c.submit_data(a, body, true));
  const int b = c.submit_request("POST", "http", "a", "/", kNone, false, nullptr);
  ASSERT_TRUE(c.submit_data(b, body, true));
  converse(c, s);
  EXPECT_EQ(s.request_body, 80000u);
  EXPECT_EQ(c.find(a)->close_code, 0u);
  EXPECT_EQ(c.find(b)->close_code, std::uint32_t(NGHTTP2_INTERNAL_ERROR));
  EXPECT_FALSE(c.find(b)->head_done);
}

TEST(H2ClientSessionDiscard, GarbageFromTheServerIsAProtocolError) {
  struct Counting : Events {
    std::string kind;
    void on_error(const char* k) override { kind = k; }
  } ev;
  ClientSession c(load_limits(), ev);
  c.start();
  std::string out;
  ASSERT_TRUE(c.send(out, 1 << 20));
  EXPECT_EQ(out.substr(0, 24), "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n");
  // Not a SETTINGS frame first: nghttp2 either fails the input or answers
  // it with GOAWAY; either way the session wants no more input once that
  // went out (the load driver and the probe check exactly this).
  const bool accepted = c.receive(std::string("HTTP/1.1 400 Bad Request\r\n\r\n"));
  if (!accepted) {
    EXPECT_EQ(ev.kind, "protocol");
  }
  std::string goaway;
  c.send(goaway, 1 << 20);
  EXPECT_TRUE(!accepted || !goaway.empty());
  EXPECT_FALSE(c.want_read());
  EXPECT_FALSE(c.goaway_received());
}
