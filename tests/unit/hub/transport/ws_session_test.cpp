// WebSocket framing of a hub client (hub/transport/ws_session.cpp): frames
// in, replies and pushes out through the queue, heartbeats and timeouts on
// the fake clock.
#include <gtest/gtest.h>
#include <sys/uio.h>

#include <nlohmann/json.hpp>

#include "codec/websocket/frame_writer.hpp"
#include "hub/push_build.hpp"
#include "hub/transport/ws_fast.hpp"
#include "hub/transport/ws_session.hpp"
#include "unit/hub/hub_harness.hpp"

using namespace strata;
using namespace std::chrono_literals;
namespace ws = codec::websocket;

namespace {

// The close code of a close frame (unmasked, short).
int close_code_of(const std::string& f) {
  if (f.size() < 4 || static_cast<unsigned char>(f[0]) != 0x88) return -1;
  return (static_cast<unsigned char>(f[2]) << 8) | static_cast<unsigned char>(f[3]);
}

class TestWs final : public hub::transport::WsSession {
 public:
  explicit TestWs(hub::transport::HubEnv& env) : WsSession(env, std::nullopt) {}
  ~TestWs() override { on_transport_gone(); }
  // Everything queued, then consumed (as if written).
  std::string drain() {
    std::string s;
    while (!out().empty()) {
      auto f = out().front();
      s.append(f);
      out().consume(f.size());
    }
    return s;
  }
  void feed(std::string bytes) { on_bytes(std::span<char>(bytes.data(), bytes.size())); }
  int kicks = 0;
  bool aborted = false;

 protected:
  void kick() override { ++kicks; }
  void abort_transport() override { aborted = true; }
};

const ws::MaskKey kMask{1, 2, 3, 4};

config::HubConfig cfg() {
  config::HubConfig c;
  c.heartbeat = 1s;
  c.client_timeout = 3s;
  c.out_queue = 4096;
  c.max_message = 1024;
  c.namespaces.push_back({.name = "", .history_size = 10, .client_publish = true, .anonymous = true});
  return c;
}

struct Fixture {
  Fixture() : h(1, cfg()) { env.hub = &h.on(0); }
  void tick(std::chrono::milliseconds d) {
    h.clock.advance(d);
    env.hub->wheel().poll();
    h.run();
  }
  test::HubHarness h;
  hub::transport::HubEnv env;
};

}  // namespace

TEST(HubWsSession, CommandFrameGetsATextFrameReply) {
  Fixture f;
  TestWs c(f.env);
  c.start();
  c.open({});
  c.feed(ws::text_frame(R"({"id":1,"ping":{}})", &kMask));
  EXPECT_EQ(c.drain(), ws::text_frame(R"({"id":1,"result":{}})"));
  EXPECT_GT(c.kicks, 0);
  // Split across reads, with a ping in between.
  std::string all = ws::text_frame(R"({"id":2,"ping":{}})", &kMask) + ws::ping_frame("hi", &kMask);
  c.feed(all.substr(0, 5));
  c.feed(all.substr(5));
  EXPECT_EQ(c.drain(), ws::text_frame(R"({"id":2,"result":{}})") + ws::pong_frame("hi"));
}

TEST(HubWsSession, PushesShareTheFrameAndSlowConsumerCloses) {
  Fixture f;
  TestWs c(f.env);
  c.start();
  c.open({});
  c.feed(ws::text_frame(R"({"id":1,"subscribe":{"channel":"n"}})", &kMask));
  f.h.run();
  c.drain();
  f.h.publish(0, "n", "\"x\"");
  ASSERT_EQ(c.out().items(), 1u);
  // Nothing drains: the 4 KiB queue overflows, then a 4008 close goes out.
  for (int i = 0; i < 100 && !c.close_sent(); ++i) f.h.publish(0, "n", std::string(200, '1'));
  ASSERT_TRUE(c.close_sent());
  EXPECT_EQ(c.drain(), ws::close_frame(hub::close_code::slow_consumer, "slow consumer"));
}

TEST(HubWsSession, HeartbeatPingsThenSilenceCloses4009) {
  Fixture f;
  TestWs c(f.env);
  c.start();
  c.open({});
  f.tick(1100ms);
  EXPECT_EQ(c.drain(), ws::ping_frame());
  c.feed(ws::pong_frame("", &kMask));  // the client answers
  f.tick(1100ms);
  EXPECT_EQ(c.drain(), ws::ping_frame());
  f.tick(1100ms);
  f.tick(1100ms);
  EXPECT_FALSE(c.close_sent());
  f.tick(1100ms);  // three heartbeats (3 s) without a byte
  EXPECT_TRUE(c.close_sent());
  auto out = c.drain();
  EXPECT_NE(out.find(ws::close_frame(hub::close_code::heartbeat_timeout, "heartbeat timeout")),
            std::string::npos);
  f.tick(2100ms);  // the peer never answers the close
  EXPECT_TRUE(c.aborted);
}

TEST(HubWsSession, ProtocolErrorsAndCloseEcho) {
  Fixture f;
  TestWs a(f.env);
  a.start();
  a.open({});
  a.feed(ws::text_frame("{}", nullptr));  // unmasked
  EXPECT_EQ(close_code_of(a.drain()), 1002);
  TestWs b(f.env);
  b.start();
  b.open({});
  b.feed(ws::close_frame(1000, "bye", &kMask));
  EXPECT_EQ(b.drain(), ws::close_frame(1000));
  TestWs c(f.env);
  c.start();
  c.open({});
  c.feed(ws::binary_frame("x", &kMask));
  EXPECT_EQ(close_code_of(c.drain()), 1003);
}

TEST(HubWsSession, FastPathObjectStaysSmall) {
  // The h1 fast path's whole per-connection object (session, reader, queue,
  // timers, socket): the idle-memory goal is 2 KB per connection in total.
  RecordProperty("bytes", static_cast<int>(hub::transport::fast_websocket_object_size()));
  EXPECT_LE(hub::transport::fast_websocket_object_size(), 640u);
}
