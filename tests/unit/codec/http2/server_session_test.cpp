#include "codec/http2/server_session.hpp"
#include "config/config.hpp"

#include <gtest/gtest.h>

#include "unit/codec/http2/h2_test_client.hpp"
#include "conn/codec_metrics.hpp"
#include "obs/metrics.hpp"

namespace strata::codec::http2 {
namespace {

using test::H2Client;

struct Events : SessionEvents {
  std::vector<StreamId> requests;
  int wakes = 0;
  void on_request(StreamId sid) override { requests.push_back(sid); }
  void on_stream_wake(StreamId, void*) override { ++wakes; }
  // Counted as the HTTP/2 driver does.
  void on_abuse(Abuse a) override { conn::codec_metrics::h2_abuse(a); }
  void on_goaway_sent(std::uint32_t code) override { conn::codec_metrics::h2_goaway_sent(code); }
  void on_protocol_error() override { conn::codec_metrics::h2_protocol_error(); }
};

std::uint64_t abuse(const char* kind) {
  return obs::counter("strata_http2_abuse_total", "HTTP/2 abuse defences triggered, by kind",
                      {{"kind", kind}})
      .value();
}

// Moves bytes both ways until both sides are quiet (bounded).
void pump(H2Client& c, ServerSession& s) {
  for (int i = 0; i < 1000; ++i) {
    std::string a = c.send();
    if (!a.empty()) s.receive(a);
    std::string b;
    s.send(b, 1 << 20);
    if (!b.empty()) c.recv(b);
    if (a.empty() && b.empty()) return;
  }
}

struct Fixture : ::testing::Test {
  config::Limits limits;
  core::FakeClock clock;
  Events ev;
  std::unique_ptr<ServerSession> s;
  H2Client c;
  void make() {
    s = std::make_unique<ServerSession>(limits, ev, clock);
    s->start();
  }
};

using Http2ServerSession = Fixture;

TEST_F(Http2ServerSession, RequestHeadAndResponse) {
  make();
  auto id = c.request("GET", "/a?b=c", {{"x-one", "1"}, {"cookie", "a=1"}, {"cookie", "b=2"}});
  pump(c, *s);
  ASSERT_EQ(ev.requests.size(), 1u);
  ASSERT_EQ(ev.requests[0], id);
  auto& r = s->request(id);
  EXPECT_EQ(r.method, "GET");
  EXPECT_EQ(r.scheme, "http");
  EXPECT_EQ(r.authority, "example.com");
  EXPECT_EQ(r.target, "/a?b=c");
  EXPECT_EQ(r.protocol, http::Protocol::h2);
  EXPECT_FALSE(r.has_body);
  EXPECT_EQ(r.headers.get("x-one").value_or(""), "1");
  EXPECT_EQ(r.headers.get("cookie").value_or(""), "a=1; b=2");
  for (const auto& h : r.headers) EXPECT_NE(h.name[0], ':');
  EXPECT_EQ(s->body_state(id), BodyState::ended);

  http::Response resp;
  resp.headers.add("content-type", "text/plain");
  ASSERT_TRUE(s->submit_response(id, resp, false));
  pump(c, *s);  // data provider deferred: no body yet
  EXPECT_EQ(c.stream(id).status, "200");
  EXPECT_FALSE(c.stream(id).closed);
  std::string body = "hello";
  ASSERT_TRUE(s->submit_data(id, body, true));
  pump(c, *s);
  EXPECT_EQ(c.stream(id).body, "hello");
  EXPECT_TRUE(c.stream(id).closed);
  EXPECT_EQ(c.stream(id).close_code, 0u);
  EXPECT_FALSE(c.stream(id).header("date").empty());
  EXPECT_EQ(c.stream(id).header("server"), "strata");
  s->release(id);
  EXPECT_EQ(s->live_streams(), 0u);
}

TEST_F(Http2ServerSession, ResponseHeadersOutliveTheResponseObject) {
  // The final response's header bytes go to nghttp2 without a copy: they
  // must stay the stream's until its HEADERS frame is framed, after the
  // Response is gone and other streams' responses were submitted.
  make();
  const auto a = c.request("GET", "/a", {});
  const auto b = c.request("GET", "/b", {});
  pump(c, *s);
  ASSERT_EQ(ev.requests.size(), 2u);
  for (auto [id, v] : {std::pair{a, "first"}, std::pair{b, "second"}}) {
    auto resp = std::make_unique<http::Response>();
    resp->status = id == a ? 201 : 404;
    resp->headers.add("X-Which", std::string(v) + "-" + std::string(300, 'v'));
    resp->headers.add("date", "Thu, 01 Jan 2026 00:00:00 GMT");
    ASSERT_TRUE(s->submit_response(id, *resp, true));
    resp.reset();  // its bytes freed (ASan: poisoned) before anything is sent
  }
  pump(c, *s);
  EXPECT_EQ(c.stream(a).status, "201");
  EXPECT_EQ(c.stream(a).header("x-which"), "first-" + std::string(300, 'v'));
  EXPECT_EQ(c.stream(b).status, "404");
  EXPECT_EQ(c.stream(b).header("x-which"), "second-" + std::string(300, 'v'));
  EXPECT_EQ(c.stream(a).header("date"), "Thu, 01 Jan 2026 00:00:00 GMT");  // kept, not added again
  EXPECT_EQ(c.stream(b).header("server"), "strata");
  EXPECT_TRUE(c.stream(a).closed);
  EXPECT_TRUE(c.stream(b).closed);
}

TEST_F(Http2ServerSession, RequestBodyIsFlowControlledByReads) {
  limits.h2_initial_window = 16384;
  limits.h2_connection_window = 65535;
  make();
  pump(c, *s);  // settings exchanged: the client now uses a 16 KiB stream window
  std::string body(200000, 'x');
  for (std::size_t i = 0; i < body.size(); ++i) body[i] = char('a' + i % 26);
  auto id = c.request("POST", "/up", {}, &body);
  pump(c, *s);
  ASSERT_EQ(ev.requests.size(), 1u);
  EXPECT_TRUE(s->request(id).has_body);
  std::string got;
  char buf[4096];
  std::size_t max_buffered = 0;
  for (int round = 0; round < 1000 && s->body_state(id) == BodyState::more; ++round) {
    std::size_t here = 0;
    for (;;) {
      auto n = s->read_body(id, buf);
      if (n == 0) break;
      here += n;
      got.append(buf, n);
    }
    max_buffered = std::max(max_buffered, here);
    pump(c, *s);
  }
  EXPECT_EQ(s->body_state(id), BodyState::ended);
  EXPECT_EQ(got.size(), body.size());
  EXPECT_TRUE(got == body);
  // Never more than one stream window was buffered.
  EXPECT_LE(max_buffered, 16384u);
}

TEST_F(Http2ServerSession, TrailersBothWays) {
  make();
  std::string body = "req";
  auto id = c.request("POST", "/grpc", {{"te", "trailers"}}, &body);
  c.stream(id).req_trailers = {{"x-req-trailer", "t1"}};
  pump(c, *s);
  char buf[16];
  EXPECT_EQ(s->read_body(id, buf), 3u);
  EXPECT_EQ(s->body_state(id), BodyState::ended);
  ASSERT_NE(s->request_trailers(id), nullptr);
  EXPECT_EQ(s->request_trailers(id)->get("x-req-trailer").value_or(""), "t1");

  http::Response resp;
  resp.headers.add("content-type", "application/grpc");
  ASSERT_TRUE(s->submit_response(id, resp, false));
  ASSERT_TRUE(s->submit_data(id, std::string_view("abc"), false));
  http::Headers t;
  t.add("grpc-status", "0");
  ASSERT_TRUE(s->submit_trailers(id, t));
  pump(c, *s);
  auto& r = c.stream(id);
  EXPECT_EQ(r.body, "abc");
  ASSERT_EQ(r.trailers.size(), 1u);
  EXPECT_EQ(r.trailers[0].first, "grpc-status");
  EXPECT_TRUE(r.closed);
  EXPECT_EQ(r.close_code, 0u);
}

TEST_F(Http2ServerSession, HeadResponseDropsBody) {
  make();
  auto id = c.request("HEAD", "/");
  pump(c, *s);
  http::Response resp;
  resp.headers.add("content-length", "5");
  ASSERT_TRUE(s->submit_response(id, resp, false));
  ASSERT_TRUE(s->submit_data(id, std::string_view("hello"), true));
  pump(c, *s);
  EXPECT_TRUE(c.stream(id).closed);
  EXPECT_EQ(c.stream(id).body, "");
}

TEST_F(Http2ServerSession, RapidResetSendsGoawayEnhanceYourCalm) {
  limits.h2_max_resets_per_second = 5;
  make();
  auto before = abuse("rapid_reset");
  for (int i = 0; i < 10; ++i) {
    auto id = c.request("GET", "/");
    s->receive(c.send());  // HEADERS reach the server, then the client cancels
    nghttp2_submit_rst_stream(c.raw(), NGHTTP2_FLAG_NONE, id, NGHTTP2_CANCEL);
  }
  pump(c, *s);
  EXPECT_TRUE(c.got_goaway);
  EXPECT_EQ(c.goaway_code, uint32_t(NGHTTP2_ENHANCE_YOUR_CALM));
  EXPECT_TRUE(s->failed());
  EXPECT_EQ(abuse("rapid_reset"), before + 1);
}

TEST_F(Http2ServerSession, ResetsUnderTheRateAreFine) {
  limits.h2_max_resets_per_second = 5;
  make();
  for (int sec = 0; sec < 3; ++sec) {
    for (int i = 0; i < 5; ++i) {
      auto id = c.request("GET", "/");
      s->receive(c.send());
      nghttp2_submit_rst_stream(c.raw(), NGHTTP2_FLAG_NONE, id, NGHTTP2_CANCEL);
    }
    pump(c, *s);
    clock.advance(std::chrono::seconds(1));
  }
  EXPECT_FALSE(c.got_goaway);
  EXPECT_FALSE(s->failed());
  // Streams the handler held are released by the app; the codec holds none.
  for (auto sid : ev.requests) s->release(sid);
  EXPECT_EQ(s->live_streams(), 0u);
}

TEST_F(Http2ServerSession, ContinuationFloodEndsSession) {
  limits.h2_max_continuations = 8;
  make();
  auto before = abuse("continuation_flood");
  std::string in = test::kH2Preface + test::h2_frame(NGHTTP2_SETTINGS, 0, 0, "");
  std::string field("\x00\x01x\x01y", 5);  // literal "x: y"
  in += test::h2_frame(NGHTTP2_HEADERS, NGHTTP2_FLAG_END_STREAM, 1, "\x82\x86\x84" + field);
  for (int i = 0; i < 100; ++i) in += test::h2_frame(NGHTTP2_CONTINUATION, 0, 1, field);
  EXPECT_FALSE(s->receive(in));
  std::string out;
  s->send(out, 1 << 20);
  H2Client parser;
  parser.recv(out);
  EXPECT_TRUE(parser.got_goaway);
  EXPECT_EQ(parser.goaway_code, uint32_t(NGHTTP2_ENHANCE_YOUR_CALM));
  EXPECT_EQ(abuse("continuation_flood"), before + 1);
  EXPECT_TRUE(ev.requests.empty());
}

TEST_F(Http2ServerSession, FewContinuationsAreAccepted) {
  limits.h2_max_continuations = 8;
  make();
  std::string in = test::kH2Preface + test::h2_frame(NGHTTP2_SETTINGS, 0, 0, "");
  std::string field("\x00\x01x\x01y", 5);
  in += test::h2_frame(NGHTTP2_HEADERS, NGHTTP2_FLAG_END_STREAM, 1,
                       "\x82\x86\x84\x41\x01h" + field);
  for (int i = 0; i < 3; ++i) in += test::h2_frame(NGHTTP2_CONTINUATION, 0, 1, field);
  in += test::h2_frame(NGHTTP2_CONTINUATION, NGHTTP2_FLAG_END_HEADERS, 1, field);
  EXPECT_TRUE(s->receive(in));
  ASSERT_EQ(ev.requests.size(), 1u);
  EXPECT_EQ(s->request(1).headers.size(), 5u);
}

TEST_F(Http2ServerSession, PingFloodSendsGoaway) {
  limits.h2_max_control_frames_per_second = 10;
  make();
  auto before = abuse("control_flood");
  pump(c, *s);
  for (int i = 0; i < 30; ++i) nghttp2_submit_ping(c.raw(), NGHTTP2_FLAG_NONE, nullptr);
  pump(c, *s);
  EXPECT_TRUE(c.got_goaway);
  EXPECT_EQ(c.goaway_code, uint32_t(NGHTTP2_ENHANCE_YOUR_CALM));
  EXPECT_GE(abuse("control_flood"), before + 1);
}

TEST_F(Http2ServerSession, PingsWithinRateAreAnswered) {
  limits.h2_max_control_frames_per_second = 10;
  make();
  for (int sec = 0; sec < 3; ++sec) {
    for (int i = 0; i < 8; ++i) nghttp2_submit_ping(c.raw(), NGHTTP2_FLAG_NONE, nullptr);
    pump(c, *s);
    clock.advance(std::chrono::milliseconds(1001));
  }
  EXPECT_FALSE(c.got_goaway);
}

// RFC 9218: the server announces it and counts PRIORITY_UPDATE frames
// (which nghttp2 now applies) against the control frame rate.
TEST_F(Http2ServerSession, AnnouncesNoRfc7540PrioritiesAndBoundsPriorityUpdates) {
  limits.h2_max_control_frames_per_second = 10;
  make();
  pump(c, *s);
  EXPECT_EQ(nghttp2_session_get_remote_settings(c.raw(), NGHTTP2_SETTINGS_NO_RFC7540_PRIORITIES), 1u);
  c.request("GET", "/");
  pump(c, *s);
  ASSERT_EQ(ev.requests.size(), 1u);
  std::string payload("\0\0\0\1u=0", 7);
  s->receive(test::h2_frame(0x10, 0, 0, payload));  // one is fine
  s->set_priority(1, 5, false);               // skipped: the client's signal came first
  pump(c, *s);
  EXPECT_FALSE(c.got_goaway);
  auto before = abuse("control_flood");
  std::string flood;
  for (int i = 0; i < 30; ++i) flood += test::h2_frame(0x10, 0, 0, payload);
  s->receive(flood);
  pump(c, *s);
  EXPECT_TRUE(c.got_goaway);
  EXPECT_EQ(c.goaway_code, uint32_t(NGHTTP2_ENHANCE_YOUR_CALM));
  EXPECT_GE(abuse("control_flood"), before + 1);
}

TEST_F(Http2ServerSession, TooManyHeadersGets431) {
  limits.max_headers = 10;
  make();
  auto before = abuse("header_list");
  std::vector<std::pair<std::string, std::string>> h;
  for (int i = 0; i < 20; ++i) h.emplace_back("x-h" + std::to_string(i), "v");
  auto id = c.request("GET", "/", h);
  pump(c, *s);
  EXPECT_TRUE(ev.requests.empty());
  EXPECT_EQ(c.stream(id).status, "431");
  EXPECT_TRUE(c.stream(id).closed);
  EXPECT_EQ(abuse("header_list"), before + 1);
  EXPECT_EQ(s->live_streams(), 0u);
  // The connection still works.
  auto id2 = c.request("GET", "/ok");
  pump(c, *s);
  ASSERT_EQ(ev.requests.size(), 1u);
  EXPECT_EQ(ev.requests[0], id2);
}

TEST_F(Http2ServerSession, HugeHeaderBytesGets431) {
  limits.max_header_bytes = 4096;
  make();
  auto id = c.request("GET", "/", {{"x-big", std::string(8000, 'a')}});
  pump(c, *s);
  EXPECT_TRUE(ev.requests.empty());
  EXPECT_EQ(c.stream(id).status, "431");
}

TEST_F(Http2ServerSession, StreamsOverTheLimitAreRefused) {
  limits.h2_max_concurrent_streams = 2;
  make();
  auto before = abuse("refused_stream");
  auto a = c.request("GET", "/1");
  auto b = c.request("GET", "/2");
  auto d = c.request("GET", "/3");
  pump(c, *s);
  EXPECT_EQ(ev.requests.size(), 2u);
  EXPECT_FALSE(c.stream(a).closed);
  EXPECT_FALSE(c.stream(b).closed);
  EXPECT_TRUE(c.stream(d).closed);
  EXPECT_EQ(c.stream(d).close_code, uint32_t(NGHTTP2_REFUSED_STREAM));
  EXPECT_EQ(abuse("refused_stream"), before + 1);
}

TEST_F(Http2ServerSession, ResetStreamsStillHeldByHandlersCount) {
  limits.h2_max_concurrent_streams = 2;
  make();
  auto a = c.request("GET", "/1");
  auto b = c.request("GET", "/2");
  pump(c, *s);
  nghttp2_submit_rst_stream(c.raw(), NGHTTP2_FLAG_NONE, a, NGHTTP2_CANCEL);
  nghttp2_submit_rst_stream(c.raw(), NGHTTP2_FLAG_NONE, b, NGHTTP2_CANCEL);
  pump(c, *s);
  EXPECT_EQ(s->body_state(a), BodyState::ended);  // GET: no body
  EXPECT_FALSE(s->writable(a));
  // Handlers of a and b still run: a new stream is refused.
  auto d = c.request("GET", "/3");
  pump(c, *s);
  EXPECT_EQ(c.stream(d).close_code, uint32_t(NGHTTP2_REFUSED_STREAM));
  s->release(a);
  s->release(b);
  auto e = c.request("GET", "/4");
  pump(c, *s);
  EXPECT_FALSE(c.stream(e).closed);
  EXPECT_EQ(ev.requests.back(), e);
}

TEST_F(Http2ServerSession, ContentLengthOverMaxBodyGets413) {
  limits.max_body = 10;
  make();
  auto before = abuse("body_too_large");
  std::string body(100, 'x');
  auto id = c.request("POST", "/", {{"content-length", "100"}}, &body);
  pump(c, *s);
  EXPECT_TRUE(ev.requests.empty());
  EXPECT_EQ(c.stream(id).status, "413");
  EXPECT_TRUE(c.stream(id).closed);
  EXPECT_EQ(abuse("body_too_large"), before + 1);
}

TEST_F(Http2ServerSession, StreamedBodyOverMaxBodyOverflows) {
  limits.max_body = 10;
  make();
  std::string body(100, 'x');
  auto id = c.request("POST", "/", {}, &body);
  pump(c, *s);
  ASSERT_EQ(ev.requests.size(), 1u);
  EXPECT_EQ(s->body_state(id), BodyState::overflow);
  char buf[64];
  EXPECT_EQ(s->read_body(id, buf), 0u);
}

TEST_F(Http2ServerSession, GracefulShutdownLetsStreamFinish) {
  make();
  auto id = c.request("GET", "/");
  pump(c, *s);
  s->shutdown();
  pump(c, *s);
  EXPECT_TRUE(c.got_goaway);
  EXPECT_EQ(c.goaway_code, 0u);
  EXPECT_EQ(c.goaway_last, id);
  EXPECT_TRUE(s->want_read());
  http::Response resp;
  ASSERT_TRUE(s->submit_response(id, resp, true));
  pump(c, *s);
  EXPECT_EQ(c.stream(id).status, "200");
  s->release(id);
  EXPECT_FALSE(s->want_read());
  EXPECT_FALSE(s->want_write());
}

TEST_F(Http2ServerSession, H2cUpgradeServesStreamOne) {
  make();
  http::Request req;
  req.method = "POST";
  req.target = "/up";
  req.authority = "example.com";
  req.scheme = "http";
  ASSERT_TRUE(s->upgrade(std::string_view(), std::move(req), "body!"));
  ASSERT_EQ(ev.requests.size(), 1u);
  EXPECT_EQ(ev.requests[0], 1);
  EXPECT_TRUE(s->request(1).has_body);
  char buf[16];
  EXPECT_EQ(s->read_body(1, buf), 5u);
  EXPECT_EQ(s->body_state(1), BodyState::ended);
  http::Response resp;
  ASSERT_TRUE(s->submit_response(1, resp, false));
  ASSERT_TRUE(s->submit_data(1, std::string_view("ok"), true));
  // A client after "101" sends the preface, then reads stream 1.
  nghttp2_session_upgrade2(c.raw(), nullptr, 0, 0, nullptr);
  pump(c, *s);
  EXPECT_EQ(c.stream(1).status, "200");
  EXPECT_EQ(c.stream(1).body, "ok");
}

TEST_F(Http2ServerSession, BadPrefaceFails) {
  make();
  EXPECT_FALSE(s->receive(std::string_view("GET / HTTP/1.1\r\n\r\n")));
  EXPECT_TRUE(s->failed());
}

}  // namespace
}  // namespace strata::codec::http2
