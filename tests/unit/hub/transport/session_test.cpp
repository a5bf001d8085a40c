// The transport-neutral hub session over a real hub (one worker, fake clock).
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "hub/push_build.hpp"
#include "hub/protocol/reply.hpp"
#include "hub/timer_wheel.hpp"
#include "hub/transport/session.hpp"
#include "unit/hub/hub_harness.hpp"

using namespace strata;
using namespace std::chrono_literals;
using hub::transport::HubEnv;
using hub::transport::UrlParams;
using nlohmann::json;

namespace {

class FakeVerifier final : public hub::auth::TokenVerifier {
 public:
  hub::auth::TokenResult verify(std::string_view t) const override {
    hub::auth::TokenResult r;
    if (t == "good") {
      r.status = hub::auth::TokenStatus::ok;
      r.claims.user = "u1";
      r.claims.channels = {"feed"};
      r.claims.exp = 1100;
    } else if (t == "old") {
      r.status = hub::auth::TokenStatus::expired;
    }
    return r;
  }
  hub::auth::TokenResult verify_subscribe(std::string_view t, std::string_view user,
                                          std::string_view channel) const override {
    hub::auth::TokenResult r;
    if (t == "sub-priv" && user == "u1" && channel == "priv:x") r.status = hub::auth::TokenStatus::ok;
    return r;
  }
  std::int64_t now() const override { return 1000; }
};

class TestSession final : public hub::transport::Session {
 public:
  explicit TestSession(HubEnv& env, bool commands = true) : Session(env, commands) {}
  ~TestSession() override { close_session(); }
  void push(const hub::PushPtr& p, bool) override { pushes.push_back(p); }
  void disconnect(std::uint16_t code, std::string_view) override {
    closed_with = code;
    close_session();
  }
  json last() const { return texts.empty() ? json() : json::parse(texts.back()); }
  std::vector<std::string> texts;
  std::vector<hub::PushPtr> pushes;
  int closed_with = 0;
  std::int64_t now = 1000;

 protected:
  void send_text(std::string j) override { texts.push_back(std::move(j)); }
  std::int64_t unix_now() const override { return now; }
};

config::HubConfig cfg(bool anonymous) {
  config::HubConfig c;
  c.heartbeat = 1s;
  c.client_timeout = 5s;
  c.max_channels_per_client = 2;
  c.namespaces.push_back({.name = "", .history_size = 10, .client_publish = true, .anonymous = anonymous});
  c.namespaces.push_back({.name = "priv", .anonymous = false, .private_channels = true});
  return c;
}

struct Fixture {
  explicit Fixture(bool anonymous) : h(1, cfg(anonymous)) {
    env.hub = &h.on(0);
    env.verifier = std::make_shared<FakeVerifier>();
  }
  void tick(std::chrono::milliseconds d) {
    h.clock.advance(d);
    env.hub->wheel().poll();
    h.run();
  }
  test::HubHarness h;
  HubEnv env;
};

}  // namespace

TEST(HubSession, AnonymousSubscribePublishHistory) {
  Fixture f(true);
  TestSession a(f.env), b(f.env);
  EXPECT_TRUE(a.open({}));
  EXPECT_TRUE(a.connected());
  EXPECT_EQ(f.env.sessions(), 2u);
  b.open({});
  a.on_message(R"({"id":1,"subscribe":{"channel":"news"}})");
  f.h.run();
  auto r = a.last();
  EXPECT_EQ(r["id"], 1);
  EXPECT_EQ(r["result"]["offset"], 0);
  EXPECT_EQ(r["result"]["recoverable"], true);
  b.on_message(R"({"id":2,"publish":{"channel":"news","data":{"a":1}}})");
  f.h.run();
  EXPECT_EQ(b.last()["result"]["offset"], 1);
  ASSERT_EQ(a.pushes.size(), 1u);
  EXPECT_EQ(a.pushes[0]->offset, 1u);
  b.on_message(R"({"id":3,"history":{"channel":"news"}})");
  f.h.run();
  EXPECT_EQ(b.last()["result"]["publications"], json::parse(R"([{"offset":1,"data":{"a":1}}])"));
  a.on_message(R"({"id":4,"subscribe":{"channel":"news"}})");
  f.h.run();
  EXPECT_EQ(a.last()["error"]["code"], 105);
  a.on_message(R"({"id":5,"subscribe":{"channel":"two"}})");
  a.on_message(R"({"id":6,"subscribe":{"channel":"three"}})");
  f.h.run();
  EXPECT_EQ(a.last()["error"]["code"], 106);  // max_channels_per_client 2
  a.on_message(R"({"id":7,"unsubscribe":{"channel":"news"}})");
  EXPECT_EQ(a.last(), json::parse(R"({"id":7,"result":{}})"));
  a.on_message(R"({"id":8,"presence":{"channel":"news"}})");
  f.h.run();
  EXPECT_EQ(a.last()["error"]["code"], 108);
  a.on_message("{bad");
  EXPECT_EQ(a.closed_with, hub::close_code::bad_request);
}

TEST(HubSession, UrlChannelsAndTokenChannelsSubscribeServerSide) {
  Fixture f(true);
  TestSession pub(f.env);
  pub.open({});
  pub.on_message(R"({"id":1,"publish":{"channel":"feed","data":1}})");
  pub.on_message(R"({"id":2,"publish":{"channel":"feed","data":2}})");
  f.h.run();
  auto epoch = json::parse(pub.texts[0])["result"]["epoch"].get<std::string>();
  TestSession c(f.env);
  auto p = hub::transport::parse_url_params("/hub?token=good&since=" + epoch + "%3A1&x=y");
  EXPECT_EQ(p.token, "good");
  ASSERT_TRUE(p.since);
  c.open(std::move(p));  // token channels: feed (one channel: since applies)
  f.h.run();
  EXPECT_EQ(c.user(), "u1");
  ASSERT_EQ(c.texts.size(), 1u);
  EXPECT_EQ(c.last()["push"]["channel"], "feed");
  EXPECT_EQ(c.last()["push"]["subscribe"]["recovered"], true);
  ASSERT_EQ(c.pushes.size(), 1u);  // the missed offset 2
  EXPECT_EQ(c.pushes[0]->offset, 2u);
  // Token expiry closes with 4002.
  c.now = 1100;
  f.tick(101s);
  EXPECT_EQ(c.closed_with, hub::close_code::token_expired);
  EXPECT_TRUE(hub::transport::parse_url_params("/hub?since=bad").bad);
  EXPECT_TRUE(hub::transport::parse_url_params("/hub?channels=a,,b").bad);
  auto q = hub::transport::parse_url_params("/hub?channels=a%3Ab,c");
  EXPECT_EQ(q.channels, (std::vector<std::string>{"a:b", "c"}));
}

TEST(HubSession, TokenNeededConnectCommandAndTimeout) {
  Fixture f(false);
  TestSession a(f.env);
  EXPECT_TRUE(a.open({}));
  EXPECT_FALSE(a.connected());
  a.on_message(R"({"id":1,"subscribe":{"channel":"news"}})");
  EXPECT_EQ(a.last()["error"]["code"], 101);
  a.on_message(R"({"id":2,"ping":{}})");
  EXPECT_EQ(a.last()["result"], json::object());
  a.on_message(R"({"id":3,"connect":{"token":"good"}})");
  f.h.run();
  EXPECT_TRUE(a.connected());
  auto texts = a.texts;
  bool saw_connect = false;
  for (auto& t : texts) {
    auto j = json::parse(t);
    if (j.value("id", 0) == 3) {
      saw_connect = true;
      EXPECT_EQ(j["result"]["user"], "u1");
      EXPECT_EQ(j["result"]["expires_in"], 100);
    }
  }
  EXPECT_TRUE(saw_connect);
  EXPECT_EQ(a.subscriptions(), 1u);  // "feed" from the token
  // A private channel needs the subscribe token for it.
  a.on_message(R"({"id":4,"subscribe":{"channel":"priv:x"}})");
  EXPECT_EQ(a.last()["error"]["code"], 103);
  a.on_message(R"({"id":5,"subscribe":{"channel":"priv:x","token":"sub-priv"}})");
  f.h.run();
  EXPECT_EQ(a.last()["id"], 5);
  EXPECT_TRUE(a.last().contains("result")) << a.texts.back();

  TestSession b(f.env);  // never connects
  b.open({});
  f.tick(6s);
  EXPECT_EQ(b.closed_with, hub::close_code::unauthorized);
  TestSession c(f.env);
  UrlParams p;
  p.token = "old";
  EXPECT_FALSE(c.open(p));
  EXPECT_EQ(c.closed_with, hub::close_code::token_expired);
  TestSession sse(f.env, false);  // SSE without a token, no anonymous namespace
  EXPECT_FALSE(sse.open({}));
  EXPECT_EQ(sse.closed_with, hub::close_code::unauthorized);
}

TEST(HubSession, DrainClosesEverySessionWithin_the_spread) {
  Fixture f(true);
  std::vector<std::unique_ptr<TestSession>> s;
  for (int i = 0; i < 20; ++i) {
    s.push_back(std::make_unique<TestSession>(f.env));
    s.back()->open({});
  }
  f.env.drain(2000ms);
  TestSession late(f.env);  // opened while draining: closed too
  late.open({});
  f.tick(2100ms);
  f.tick(200ms);
  for (auto& x : s) EXPECT_EQ(x->closed_with, hub::close_code::reconnect);
  EXPECT_EQ(late.closed_with, hub::close_code::reconnect);
  EXPECT_EQ(f.env.sessions(), 0u);
}
