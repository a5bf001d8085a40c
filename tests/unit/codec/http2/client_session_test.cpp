// ClientSession against the real ServerSession, in memory (no sockets):
// bytes are pumped between the two until both are quiet.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "codec/http2/client_session.hpp"
#include "config/config.hpp"
#include "codec/http2/server_session.hpp"

namespace strata::codec::http2 {
namespace {

struct ServerEvents final : SessionEvents {
  std::vector<StreamId> requests;
  void on_request(StreamId sid) override { requests.push_back(sid); }
  void on_stream_wake(StreamId, void*) override {}
};

struct ClientEv final : ClientEvents {
  int wakes = 0;
  int goaways = 0;
  ClientStreamId goaway_last = -1;
  int settings = 0;
  void on_stream_wake(ClientStreamId, void*) override { ++wakes; }
  void on_goaway(ClientStreamId last, std::uint32_t) override {
    ++goaways;
    goaway_last = last;
  }
  void on_settings() override { ++settings; }
};

struct ClientSessionTest : ::testing::Test {
  config::Limits limits;
  ServerEvents sev;
  ClientEv cev;
  std::unique_ptr<ServerSession> server;
  std::unique_ptr<ClientSession> client;
  int user_tag = 0;

  void SetUp() override {
    server = std::make_unique<ServerSession>(limits, sev);
    server->start();
    client = std::make_unique<ClientSession>(ClientLimits{}, cev);
    client->start();
    pump();
  }

  // Moves bytes both ways until neither side has anything to send.
  void pump() {
    for (int i = 0; i < 10000; ++i) {
      std::string c2s, s2c;
      ASSERT_TRUE(client->send(c2s, 1 << 20));
      if (!c2s.empty()) server->receive(c2s);
      ASSERT_TRUE(server->send(s2c, 1 << 20));
      if (!s2c.empty()) client->receive(s2c);
      if (c2s.empty() && s2c.empty()) return;
    }
    FAIL() << "pump did not settle";
  }

  ClientStreamId get(std::string path, bool end = true) {
    http::Headers h;
    h.add("x-test", "1");
    h.add("connection", "close");  // must be dropped, or the server resets
    h.add("te", "trailers");
    return client->submit_request(end ? "GET" : "POST", "http", "example.test", path, h, end,
                                  &user_tag);
  }
};

TEST_F(ClientSessionTest, PeerSettingsSeen) {
  EXPECT_GE(cev.settings, 1);
  EXPECT_EQ(client->peer_max_concurrent(), limits.h2_max_concurrent_streams);
}

TEST_F(ClientSessionTest, ResponseHeadBodyAndTrailers) {
  const auto sid = get("/x?y=1");
  ASSERT_GT(sid, 0);
  pump();
  ASSERT_EQ(sev.requests.size(), 1u);
  const auto ssid = sev.requests[0];
  auto& req = server->request(ssid);
  EXPECT_EQ(req.method, "GET");
  EXPECT_EQ(req.target, "/x?y=1");
  EXPECT_EQ(req.authority, "example.test");
  EXPECT_EQ(req.headers.get("x-test"), "1");
  EXPECT_EQ(req.headers.get("te"), "trailers");
  EXPECT_FALSE(req.headers.has("connection"));

  http::Response interim;
  interim.status = 103;
  interim.headers.add("link", "</a.css>; rel=preload");
  ASSERT_TRUE(server->submit_interim(ssid, interim));
  http::Response r;
  r.status = 200;
  r.headers.add("content-type", "application/grpc");
  ASSERT_TRUE(server->submit_response(ssid, r, false));
  ASSERT_TRUE(server->submit_data(ssid, std::string_view("hello"), false));
  http::Headers t;
  t.add("grpc-status", "0");
  ASSERT_TRUE(server->submit_trailers(ssid, t));
  pump();

  const auto* s = client->find(sid);
  ASSERT_NE(s, nullptr);
  http::Response got;
  ASSERT_TRUE(client->take_interim(sid, got));
  EXPECT_EQ(got.status, 103);
  EXPECT_EQ(got.headers.get("link"), "</a.css>; rel=preload");
  EXPECT_FALSE(client->take_interim(sid, got));
  ASSERT_TRUE(s->head_done);
  EXPECT_EQ(s->response.status, 200);
  EXPECT_EQ(s->response.headers.get("content-type"), "application/grpc");
  char buf[64];
  const auto n = client->read_body(sid, buf);
  EXPECT_EQ(std::string(buf, n), "hello");
  EXPECT_TRUE(s->ended);
  ASSERT_TRUE(s->has_trailers);
  EXPECT_EQ(s->trailers.get("grpc-status"), "0");
  EXPECT_TRUE(s->closed);
  EXPECT_GT(cev.wakes, 0);
  client->release(sid);
  EXPECT_EQ(client->find(sid), nullptr);
}

TEST_F(ClientSessionTest, RequestBodyAndTrailersReachServer) {
  const auto sid = get("/up", false);
  ASSERT_GT(sid, 0);
  std::string body(300000, 'b');
  ASSERT_TRUE(client->submit_data(sid, body, false));
  EXPECT_EQ(client->buffered(sid), body.size());
  pump();
  ASSERT_EQ(sev.requests.size(), 1u);
  const auto ssid = sev.requests[0];
  std::string got;
  std::vector<char> buf(64 * 1024);
  for (int i = 0; i < 100; ++i) {
    const auto n = server->read_body(ssid, buf);
    got.append(buf.data(), n);
    pump();
    if (n == 0 && client->buffered(sid) == 0) break;
  }
  EXPECT_EQ(got.size(), body.size());
  EXPECT_EQ(client->buffered(sid), 0u);
  http::Headers t;
  t.add("x-checksum", "abc");
  ASSERT_TRUE(client->submit_trailers(sid, t));
  EXPECT_FALSE(client->writable(sid));
  pump();
  EXPECT_EQ(server->body_state(ssid), BodyState::ended);
  ASSERT_NE(server->request_trailers(ssid), nullptr);
  EXPECT_EQ(server->request_trailers(ssid)->get("x-checksum"), "abc");
}

TEST_F(ClientSessionTest, ResponseBufferingBoundedByWindow) {
  const auto sid = get("/big");
  pump();
  const auto ssid = sev.requests.at(0);
  http::Response r;
  ASSERT_TRUE(server->submit_response(ssid, r, false));
  const std::string big(3 << 20, 'z');
  ASSERT_TRUE(server->submit_data(ssid, big, true));
  pump();
  const auto* s = client->find(sid);
  ASSERT_NE(s, nullptr);
  // Nothing read: at most one stream window is buffered.
  EXPECT_LE(s->unread(), ClientLimits{}.initial_window);
  EXPECT_GT(s->unread(), 0u);
  EXPECT_FALSE(s->ended);
  std::size_t total = 0;
  std::vector<char> buf(256 * 1024);
  for (int i = 0; i < 1000 && !(s->ended && s->unread() == 0); ++i) {
    total += client->read_body(sid, buf);
    pump();
    EXPECT_LE(s->unread(), ClientLimits{}.initial_window);
  }
  total += client->read_body(sid, buf);
  EXPECT_EQ(total, big.size());
  EXPECT_TRUE(s->ended);
}

TEST_F(ClientSessionTest, RefusedStreamIsRetryable) {
  const auto sid = get("/r");
  pump();
  server->reset(sev.requests.at(0), kRefusedStream);
  pump();
  const auto* s = client->find(sid);
  ASSERT_NE(s, nullptr);
  EXPECT_TRUE(s->closed);
  EXPECT_TRUE(s->refused);
  EXPECT_FALSE(s->head_done);
}

TEST_F(ClientSessionTest, ResetAfterHeadIsNotRefused) {
  const auto sid = get("/r");
  pump();
  const auto ssid = sev.requests.at(0);
  http::Response r;
  ASSERT_TRUE(server->submit_response(ssid, r, false));
  pump();
  server->reset(ssid, kInternalError);
  pump();
  const auto* s = client->find(sid);
  ASSERT_NE(s, nullptr);
  EXPECT_TRUE(s->head_done);
  EXPECT_TRUE(s->closed);
  EXPECT_FALSE(s->refused);
  EXPECT_FALSE(s->ended);
  EXPECT_EQ(s->close_code, std::uint32_t(kInternalError));
}

TEST_F(ClientSessionTest, GoawayRefusesLaterStreams) {
  const auto a = get("/a");
  pump();
  ASSERT_EQ(sev.requests.size(), 1u);
  server->shutdown();  // GOAWAY(last = a)
  const auto b = get("/b");  // crosses the GOAWAY
  ASSERT_GT(b, a);
  pump();
  EXPECT_EQ(cev.goaways, 1);
  EXPECT_EQ(cev.goaway_last, a);
  EXPECT_TRUE(client->goaway_received());
  ASSERT_NE(client->find(b), nullptr);
  EXPECT_TRUE(client->find(b)->refused);
  EXPECT_FALSE(client->find(a)->refused);
  EXPECT_EQ(get("/c"), 0);  // no new streams after GOAWAY
  // The accepted stream still completes.
  http::Response r;
  ASSERT_TRUE(server->submit_response(sev.requests[0], r, true));
  pump();
  EXPECT_TRUE(client->find(a)->head_done);
  EXPECT_TRUE(client->find(a)->ended);
}

TEST_F(ClientSessionTest, OversizedResponseHeadersReset) {
  const auto sid = get("/h");
  pump();
  http::Response r;
  r.headers.add("x-big", std::string(40 * 1024, 'h'));  // over the 32 KiB client limit
  ASSERT_TRUE(server->submit_response(sev.requests.at(0), r, true));
  pump();
  const auto* s = client->find(sid);
  ASSERT_NE(s, nullptr);
  EXPECT_TRUE(s->bad_response);
}

}  // namespace
}  // namespace strata::codec::http2
