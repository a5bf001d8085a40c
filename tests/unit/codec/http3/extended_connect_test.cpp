// RFC 9220 extended CONNECT at the HTTP/3 codec: :protocol reaches the
// request, the stream's DATA is a tunnel (not bound by max_body), and a
// finished response leaves the client's direction open (no STOP_SENDING).
#include <gtest/gtest.h>

#include "codec/http3/server_session.hpp"
#include "unit/codec/http3/h3_test_pair.hpp"

namespace strata::codec::http3 {
namespace {

std::string drain(ServerSession& s, StreamId sid) {
  std::string out;
  char buf[700];
  for (int i = 0; i < 100000; ++i) {
    auto n = s.read_body(sid, buf);
    if (n == 0) break;
    out.append(buf, n);
  }
  return out;
}

TEST(Http3ExtendedConnect, WebSocketStreamIsATunnelBothWays) {
  config::Limits limits;
  limits.max_body = 1000;
  test::Pair p(limits);
  std::string up(3000, 't');  // over max_body: a tunnel is not a request body
  p.request(0, "CONNECT", "/ws", {{":protocol", "websocket"}, {"sec-websocket-version", "13"}},
            &up, false);
  ASSERT_TRUE(p.pump());
  ASSERT_EQ(p.ev.requests.size(), 1u);
  EXPECT_EQ(p.server.request(0).method, "CONNECT");
  EXPECT_EQ(p.server.request(0).connect_protocol, "websocket");
  EXPECT_EQ(p.server.connect_protocol(0), "websocket");
  EXPECT_EQ(p.server.body_state(0), BodyState::more);
  EXPECT_EQ(drain(p.server, 0), up);

  http::Response ok;
  ok.status = 200;
  ASSERT_TRUE(p.server.submit_response(0, ok, false));
  ASSERT_TRUE(p.server.submit_data(0, {"pong", 4}, true));
  ASSERT_TRUE(p.pump());
  EXPECT_EQ(p.streams[0].status, 200);
  EXPECT_EQ(p.streams[0].resp_body, "pong");
  EXPECT_FALSE(p.quic.stopped(0, kNoError));  // half-closed: the client may still send

  p.more_body(0, "last words", true);
  ASSERT_TRUE(p.pump());
  EXPECT_EQ(drain(p.server, 0), "last words");
  EXPECT_EQ(p.server.body_state(0), BodyState::ended);
}

}  // namespace
}  // namespace strata::codec::http3
