// PubSubConnection against the scripted fake Redis: batching per turn,
// sharded grouping per slot, resubscribe after reconnect, server-pushed
// sunsubscribe, replies of unexpected shape.
#include "redis/subscriber.hpp"

#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>

#include "fake_redis.hpp"
#include "redis/redis_metrics.hpp"
#include "redis/slot.hpp"
#include "redis_test_util.hpp"

namespace strata::redis {
namespace {

using namespace std::chrono_literals;
using test::FakeRedis;
using test::run_until;

// Confirms every (S)SUBSCRIBE / (S)UNSUBSCRIBE channel like Redis does.
void confirm_all(FakeRedis& fake) {
  fake.on_command([](FakeRedis::Session& s, const std::vector<std::string>& cmd) {
    std::string kind = cmd[0];
    for (auto& ch : kind) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
    for (std::size_t i = 1; i < cmd.size(); ++i)
      s.send(FakeRedis::array({FakeRedis::bulk(kind), FakeRedis::bulk(cmd[i]), FakeRedis::integer(1)}));
  });
}

TEST(RedisPubSub, OneTurnIsOneSubscribeCommand) {
  boost::asio::io_context io;
  FakeRedis fake(io);
  confirm_all(fake);
  test::Recorder rec;
  PubSubConnection ps(io.get_executor(), fake.endpoint(), test::local_cfg(fake.address()), rec, false, "t");
  ASSERT_TRUE(run_until(io, [&] { return ps.up(); }));
  ps.subscribe("a");
  ps.subscribe("b");
  ps.subscribe("c");
  ps.unsubscribe("c");
  ASSERT_TRUE(run_until(io, [&] { return rec.subscribed.size() == 2; }));
  ASSERT_EQ(fake.commands.size(), 1u);
  auto cmd = fake.commands[0];
  std::sort(cmd.begin() + 1, cmd.end());
  EXPECT_EQ(cmd, (std::vector<std::string>{"SUBSCRIBE", "a", "b"}));
  ps.unsubscribe("a");
  ASSERT_TRUE(run_until(io, [&] { return fake.commands.size() == 2; }));
  EXPECT_EQ(fake.commands[1], (std::vector<std::string>{"UNSUBSCRIBE", "a"}));
  fake.last().send(FakeRedis::push({"message", "b", "hi"}));
  fake.last().send(FakeRedis::push({"message", "a", "late"}));  // unsubscribed: dropped
  ASSERT_TRUE(run_until(io, [&] { return rec.messages.size() == 1; }));
  test::run_for(io, 30ms);
  EXPECT_EQ(rec.messages.size(), 1u);
  EXPECT_TRUE(rec.interrupted.empty());
}

TEST(RedisPubSub, ShardedGroupsChannelsBySlot) {
  boost::asio::io_context io;
  FakeRedis fake(io);
  confirm_all(fake);
  test::Recorder rec;
  PubSubConnection ps(io.get_executor(), fake.endpoint(), test::local_cfg(fake.address()), rec, true, "t");
  ASSERT_TRUE(run_until(io, [&] { return ps.up(); }));
  ASSERT_NE(key_slot("{a}"), key_slot("{b}"));
  for (auto ch : {"{a}1", "{b}1", "{a}2", "{b}2", "{a}3"}) ps.subscribe(ch);
  ASSERT_TRUE(run_until(io, [&] { return rec.subscribed.size() == 5; }));
  ASSERT_EQ(fake.commands.size(), 2u);
  for (auto& cmd : fake.commands) {
    EXPECT_EQ(cmd[0], "SSUBSCRIBE");
    for (std::size_t i = 2; i < cmd.size(); ++i) EXPECT_EQ(key_slot(cmd[i]), key_slot(cmd[1]));
  }
  EXPECT_EQ(fake.commands[0].size() + fake.commands[1].size(), 7u);
  fake.last().send(FakeRedis::push({"smessage", "{b}2", "sharded"}));
  ASSERT_TRUE(run_until(io, [&] { return rec.messages.size() == 1; }));
  EXPECT_EQ(rec.messages[0], (std::pair<std::string, std::string>{"{b}2", "sharded"}));
}

TEST(RedisPubSub, ServerPushedSunsubscribeInterruptsThenResubscribes) {
  boost::asio::io_context io;
  FakeRedis fake(io);
  confirm_all(fake);
  test::Recorder rec;
  PubSubConnection ps(io.get_executor(), fake.endpoint(), test::local_cfg(fake.address()), rec, true, "t");
  ps.subscribe("{x}moving");
  ps.subscribe("{y}staying");
  ASSERT_TRUE(run_until(io, [&] { return rec.subscribed.size() == 2; }));
  const auto cmds = fake.commands.size();
  fake.last().send(FakeRedis::array(
      {FakeRedis::bulk("sunsubscribe"), FakeRedis::bulk("{x}moving"), FakeRedis::integer(0)}));
  ASSERT_TRUE(run_until(io, [&] { return rec.interrupted.size() == 1; }));
  EXPECT_EQ(rec.interrupted[0], "{x}moving");
  ASSERT_TRUE(run_until(io, [&] { return rec.count_subscribed("{x}moving") == 2; }));
  ASSERT_EQ(fake.commands.size(), cmds + 1);
  EXPECT_EQ(fake.commands.back(), (std::vector<std::string>{"SSUBSCRIBE", "{x}moving"}));
  EXPECT_EQ(rec.count_subscribed("{y}staying"), 1u);
}

TEST(RedisPubSub, ResubscribesEverythingAfterReconnect) {
  boost::asio::io_context io;
  FakeRedis fake(io);
  confirm_all(fake);
  test::Recorder rec;
  PubSubConnection ps(io.get_executor(), fake.endpoint(), test::local_cfg(fake.address()), rec, false, "t");
  for (int i = 0; i < 2500; ++i) ps.subscribe("c" + std::to_string(i));
  ASSERT_TRUE(run_until(io, [&] { return rec.subscribed.size() == 2500; }));
  EXPECT_EQ(fake.commands.size(), 3u);  // batches of 1000
  fake.close_all();
  ASSERT_TRUE(run_until(io, [&] { return rec.interrupted.size() == 2500; }));
  ASSERT_TRUE(run_until(io, [&] { return rec.subscribed.size() == 5000; }));
  EXPECT_EQ(fake.accepted(), 2u);
  EXPECT_EQ(fake.commands.size(), 6u);
  EXPECT_EQ(ps.channels(), 2500u);
}

TEST(RedisPubSub, WrongShapesAreCountedAndIgnored) {
  boost::asio::io_context io;
  FakeRedis fake(io);
  confirm_all(fake);
  test::Recorder rec;
  PubSubConnection ps(io.get_executor(), fake.endpoint(), test::local_cfg(fake.address()), rec, false, "t");
  ps.subscribe("a");
  ASSERT_TRUE(run_until(io, [&] { return rec.subscribed.size() == 1; }));
  const auto wrong = RedisMetrics::get().wrong_type.value();
  auto& s = fake.last();
  s.send(FakeRedis::integer(7));
  s.send(FakeRedis::push({"weird", "a", "x"}));
  s.send(FakeRedis::push({"message", "a"}));
  s.send(FakeRedis::array({FakeRedis::bulk("message"), FakeRedis::bulk("a"), FakeRedis::integer(3)}));
  s.send(FakeRedis::array({FakeRedis::integer(1), FakeRedis::bulk("a"), FakeRedis::bulk("x")}));
  s.send(FakeRedis::error("ERR nobody asked"));
  s.send(FakeRedis::push({"message", "a", "fine"}));
  ASSERT_TRUE(run_until(io, [&] { return rec.messages.size() == 1; }));
  EXPECT_EQ(rec.messages[0].second, "fine");
  EXPECT_EQ(RedisMetrics::get().wrong_type.value(), wrong + 6);
  EXPECT_TRUE(ps.up());
  EXPECT_EQ(fake.accepted(), 1u);
}

TEST(RedisPubSub, SubscribeErrorInterruptsAndRetries) {
  boost::asio::io_context io;
  FakeRedis fake(io);
  int n = 0;
  fake.on_command([&](FakeRedis::Session& s, const std::vector<std::string>& cmd) {
    if (n++ == 0) return s.send(FakeRedis::error("MOVED 1234 127.0.0.1:1"));
    s.send(FakeRedis::array({FakeRedis::bulk("ssubscribe"), FakeRedis::bulk(cmd[1]), FakeRedis::integer(1)}));
  });
  test::Recorder rec;
  PubSubConnection ps(io.get_executor(), fake.endpoint(), test::local_cfg(fake.address()), rec, true, "t");
  ps.subscribe("ch");
  ASSERT_TRUE(run_until(io, [&] { return rec.subscribed.size() == 1; }));
  EXPECT_EQ(rec.interrupted, (std::vector<std::string>{"ch"}));
  EXPECT_EQ(fake.commands.size(), 2u);
}

TEST(RedisPubSub, IdleHeartbeatKeepsAnAnsweringServerAndDropsASilentOne) {
  boost::asio::io_context io;
  FakeRedis fake(io);
  bool answer = true;
  fake.on_command([&](FakeRedis::Session& s, const std::vector<std::string>& cmd) {
    if (cmd[0] == "PING") {
      if (answer) s.send(FakeRedis::push({"pong", ""}));
      return;
    }
    s.send(FakeRedis::array({FakeRedis::bulk("subscribe"), FakeRedis::bulk(cmd[1]), FakeRedis::integer(1)}));
  });
  auto cfg = test::local_cfg(fake.address());
  cfg.command_timeout = 100ms;
  test::Recorder rec;
  PubSubConnection ps(io.get_executor(), fake.endpoint(), cfg, rec, false, "t");
  ps.subscribe("a");
  ASSERT_TRUE(run_until(io, [&] { return rec.subscribed.size() == 1; }));
  ASSERT_TRUE(run_until(io, [&] { return fake.commands.size() == 2; }, 3s));
  EXPECT_EQ(fake.commands[1], (std::vector<std::string>{"PING"}));
  test::run_for(io, 300ms);
  EXPECT_TRUE(rec.interrupted.empty());
  EXPECT_EQ(fake.accepted(), 1u);
  answer = false;
  ASSERT_TRUE(run_until(io, [&] { return rec.interrupted.size() == 1; }, 3s));
  ASSERT_TRUE(run_until(io, [&] { return rec.subscribed.size() == 2; }));  // back on a new connection
  EXPECT_EQ(fake.accepted(), 2u);
}

TEST(RedisPubSub, MissingConfirmationTimesOut) {
  boost::asio::io_context io;
  FakeRedis fake(io);
  fake.on_command([](FakeRedis::Session&, const std::vector<std::string>&) {});
  auto cfg = test::local_cfg(fake.address());
  cfg.command_timeout = 100ms;
  test::Recorder rec;
  PubSubConnection ps(io.get_executor(), fake.endpoint(), cfg, rec, false, "t");
  ps.subscribe("a");
  ASSERT_TRUE(run_until(io, [&] { return rec.interrupted.size() == 1 && fake.accepted() >= 2; }));
}

TEST(RedisPubSub, HandlerMayCloseFromACallback) {
  boost::asio::io_context io;
  FakeRedis fake(io);
  confirm_all(fake);
  struct Closer : test::Recorder {
    std::unique_ptr<PubSubConnection>* ps = nullptr;
    void on_message(std::string_view c, std::string_view p) override {
      Recorder::on_message(c, p);
      ps->reset();
    }
  } rec;
  auto ps = std::make_unique<PubSubConnection>(io.get_executor(), fake.endpoint(), test::local_cfg(fake.address()),
                                               rec, false, "t");
  rec.ps = &ps;
  ps->subscribe("a");
  ASSERT_TRUE(run_until(io, [&] { return rec.subscribed.size() == 1; }));
  fake.last().send(FakeRedis::push({"message", "a", "1"}) + FakeRedis::push({"message", "a", "2"}));
  ASSERT_TRUE(run_until(io, [&] { return !ps; }));
  test::run_for(io, 30ms);
  EXPECT_EQ(rec.messages.size(), 1u);
  EXPECT_TRUE(rec.interrupted.empty());
}

}  // namespace
}  // namespace strata::redis
