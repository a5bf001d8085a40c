// Against a real redis-server started by the test on a free loopback port
// (skipped when redis-server is not installed): commands, pipelining,
// scripts, pub/sub, resubscribe after a restart, ACL users, and a burst of
// publications under a tight client-output-buffer-limit.
#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>
#include <optional>

#include "redis/client.hpp"
#include "redis/connection.hpp"
#include "redis/redis_metrics.hpp"
#include "redis/subscriber.hpp"
#include "redis_test_util.hpp"

namespace strata::redis {
namespace {

using namespace std::chrono_literals;
using test::run_until;

#define NEED_REDIS()                                                   \
  if (!test::have_redis_server()) GTEST_SKIP() << "redis-server is not installed"

Endpoint ep_of(const test::RedisServer& s) { return Endpoint{"127.0.0.1", s.port()}; }

// Runs one command to completion.
Result run(boost::asio::io_context& io, Connection& c, std::vector<std::string> args) {
  std::optional<Result> out;
  c.command(std::move(args), [&](Result r) { out = std::move(r); });
  EXPECT_TRUE(run_until(io, [&] { return out.has_value(); }));
  return out ? std::move(*out) : Result{Errc::closed, {}};
}

TEST(RedisReal, SetGet) {
  NEED_REDIS();
  test::RedisServer srv;
  ASSERT_TRUE(srv.start());
  boost::asio::io_context io;
  Connection c(io.get_executor(), ep_of(srv), test::local_cfg(srv.address()), "t");
  ASSERT_TRUE(run_until(io, [&] { return c.up(); }));
  auto r = run(io, c, {"SET", "k", std::string("v\0\r\nx", 5)});
  ASSERT_TRUE(r.ok()) << r.error_text();
  EXPECT_EQ(r.reply.str, "OK");
  r = run(io, c, {"GET", "k"});
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r.reply.type, Reply::Type::string);
  EXPECT_EQ(r.reply.str, std::string("v\0\r\nx", 5));
  r = run(io, c, {"GET", "missing"});
  EXPECT_TRUE(r.reply.is_nil());
  r = run(io, c, {"NOSUCHCOMMAND"});
  EXPECT_TRUE(r.reply.is_error());
  EXPECT_FALSE(r.ok());
  EXPECT_EQ(r.err, Errc::ok);
}

TEST(RedisReal, SelectDb) {
  NEED_REDIS();
  test::RedisServer srv;
  ASSERT_TRUE(srv.start());
  boost::asio::io_context io;
  auto cfg = test::local_cfg(srv.address());
  cfg.db = 3;
  Connection c3(io.get_executor(), ep_of(srv), cfg, "db3");
  Connection c0(io.get_executor(), ep_of(srv), test::local_cfg(srv.address()), "db0");
  ASSERT_TRUE(run_until(io, [&] { return c3.up() && c0.up(); }));
  ASSERT_TRUE(run(io, c3, {"SET", "k", "three"}).ok());
  EXPECT_TRUE(run(io, c0, {"GET", "k"}).reply.is_nil());
  EXPECT_EQ(run(io, c0, {"SELECT", "3"}).reply.str, "OK");
  EXPECT_EQ(run(io, c0, {"GET", "k"}).reply.str, "three");
}

TEST(RedisReal, TenThousandPipelinedIncrsInOrder) {
  NEED_REDIS();
  test::RedisServer srv;
  ASSERT_TRUE(srv.start());
  boost::asio::io_context io;
  Connection c(io.get_executor(), ep_of(srv), test::local_cfg(srv.address()), "t");
  ASSERT_TRUE(run_until(io, [&] { return c.up(); }));
  std::vector<long long> got;
  for (int i = 0; i < 10000; ++i)
    c.command({"INCR", "n"}, [&](Result r) { got.push_back(r.ok() ? r.reply.integer : -1); });
  ASSERT_TRUE(run_until(io, [&] { return got.size() == 10000; }));
  for (int i = 0; i < 10000; ++i) ASSERT_EQ(got[i], i + 1) << i;
}

TEST(RedisReal, EvalShaThenEvalOnNoscript) {
  NEED_REDIS();
  test::RedisServer srv;
  ASSERT_TRUE(srv.start());
  boost::asio::io_context io;
  auto cfg = test::local_cfg(srv.address());
  auto client = make_standalone_client(cfg, io.get_executor(), "t");
  EXPECT_FALSE(client->sharded());
  ASSERT_TRUE(run_until(io, [&] { return client->up("any"); }));
  Script s("redis.call('SET', KEYS[1], ARGV[1]); return {KEYS[1], ARGV[1], #KEYS, #ARGV}");
  EXPECT_EQ(s.sha1.size(), 40u);
  auto call = [&](std::vector<std::string> k, std::vector<std::string> a) {
    std::optional<Result> out;
    client->eval("r", s, std::move(k), std::move(a), [&](Result r) { out = std::move(r); });
    EXPECT_TRUE(run_until(io, [&] { return out.has_value(); }));
    return *out;
  };
  auto cmd = [&](std::vector<std::string> args) {
    std::optional<Result> out;
    client->command("r", std::move(args), [&](Result r) { out = std::move(r); });
    EXPECT_TRUE(run_until(io, [&] { return out.has_value(); }));
    return *out;
  };
  auto exists = cmd({"SCRIPT", "EXISTS", s.sha1});
  ASSERT_TRUE(exists.reply.is_array());
  EXPECT_EQ(exists.reply.elements.at(0).integer, 0);  // so the first eval gets NOSCRIPT
  auto r = call({"key1"}, {"val1", "x"});
  ASSERT_TRUE(r.ok()) << r.error_text();
  ASSERT_EQ(r.reply.elements.size(), 4u);
  EXPECT_EQ(r.reply.elements[0].str, "key1");
  EXPECT_EQ(r.reply.elements[1].str, "val1");
  EXPECT_EQ(r.reply.elements[2].integer, 1);
  EXPECT_EQ(r.reply.elements[3].integer, 2);
  EXPECT_EQ(cmd({"SCRIPT", "EXISTS", s.sha1}).reply.elements.at(0).integer, 1);
  // Now EVALSHA succeeds directly: the server counts one more evalsha call and no more eval.
  auto stats = [&] { return cmd({"INFO", "commandstats"}).reply.str; };
  auto calls = [](const std::string& info, const std::string& name) {
    auto p = info.find("cmdstat_" + name + ":calls=");
    return p == std::string::npos ? 0 : std::stoi(info.substr(p + name.size() + 15));
  };
  const auto before = stats();
  r = call({"key2"}, {"val2"});
  ASSERT_TRUE(r.ok());
  const auto after = stats();
  EXPECT_EQ(calls(after, "evalsha"), calls(before, "evalsha") + 1);
  EXPECT_EQ(calls(after, "eval"), calls(before, "eval"));
  EXPECT_EQ(cmd({"GET", "key2"}).reply.str, "val2");
  // A script error comes back as an error reply, not a transport error.
  Script bad("return redis.call('NOSUCH')");
  std::optional<Result> out;
  client->eval("r", bad, {}, {}, [&](Result r) { out = std::move(r); });
  ASSERT_TRUE(run_until(io, [&] { return out.has_value(); }));
  EXPECT_EQ(out->err, Errc::ok);
  EXPECT_TRUE(out->reply.is_error());
}

TEST(RedisReal, PubSubSubscribeMessageUnsubscribe) {
  NEED_REDIS();
  test::RedisServer srv;
  ASSERT_TRUE(srv.start());
  boost::asio::io_context io;
  auto cfg = test::local_cfg(srv.address());
  test::Recorder rec;
  PubSubConnection ps(io.get_executor(), ep_of(srv), cfg, rec, false, "sub");
  Connection pub(io.get_executor(), ep_of(srv), cfg, "pub");
  ps.subscribe("a");
  ps.subscribe("b");
  ps.subscribe("a");  // idempotent
  EXPECT_EQ(ps.channels(), 2u);
  ASSERT_TRUE(run_until(io, [&] { return rec.subscribed.size() == 2 && pub.up(); }));
  EXPECT_EQ(rec.count_subscribed("a"), 1u);
  EXPECT_EQ(rec.count_subscribed("b"), 1u);
  EXPECT_EQ(run(io, pub, {"PUBLISH", "a", "hello"}).reply.integer, 1);
  EXPECT_EQ(run(io, pub, {"PUBLISH", "b", std::string("bin\0ary", 7)}).reply.integer, 1);
  ASSERT_TRUE(run_until(io, [&] { return rec.messages.size() == 2; }));
  EXPECT_EQ(rec.messages[0], (std::pair<std::string, std::string>{"a", "hello"}));
  EXPECT_EQ(rec.messages[1], (std::pair<std::string, std::string>{"b", std::string("bin\0ary", 7)}));
  ps.unsubscribe("a");
  EXPECT_EQ(ps.channels(), 1u);
  ASSERT_TRUE(run_until(io, [&] {
    auto r = run(io, pub, {"PUBSUB", "NUMSUB", "a"});
    return r.reply.is_array() && r.reply.elements.size() == 2 && r.reply.elements[1].integer == 0;
  }));
  EXPECT_EQ(run(io, pub, {"PUBLISH", "a", "gone"}).reply.integer, 0);
  // Subscribe and unsubscribe in one turn: nothing changes on the server.
  ps.subscribe("c");
  ps.unsubscribe("c");
  EXPECT_EQ(run(io, pub, {"PUBLISH", "b", "still"}).reply.integer, 1);
  ASSERT_TRUE(run_until(io, [&] { return rec.messages.size() == 3; }));
  EXPECT_EQ(run(io, pub, {"PUBSUB", "NUMSUB", "c"}).reply.elements.at(1).integer, 0);
  EXPECT_TRUE(rec.interrupted.empty());
}

TEST(RedisReal, ResubscribesAfterServerRestart) {
  NEED_REDIS();
  test::RedisServer srv;
  ASSERT_TRUE(srv.start());
  boost::asio::io_context io;
  auto cfg = test::local_cfg(srv.address());
  test::Recorder rec;
  PubSubConnection ps(io.get_executor(), ep_of(srv), cfg, rec, false, "sub");
  Connection pub(io.get_executor(), ep_of(srv), cfg, "pub");
  std::vector<bool> states;
  pub.on_state([&](bool up) { states.push_back(up); });
  for (int i = 0; i < 50; ++i) ps.subscribe("ch" + std::to_string(i));
  ASSERT_TRUE(run_until(io, [&] { return rec.subscribed.size() == 50 && pub.up(); }));
  srv.stop();
  ASSERT_TRUE(run_until(io, [&] { return rec.interrupted.size() == 50 && !pub.up(); }));
  EXPECT_FALSE(ps.up());
  // Fail fast while down.
  std::optional<Result> down;
  pub.command({"PING"}, [&](Result r) { down = std::move(r); });
  ASSERT_TRUE(run_until(io, [&] { return down.has_value(); }));
  EXPECT_EQ(down->err, Errc::disconnected);
  ASSERT_TRUE(srv.start());
  ASSERT_TRUE(run_until(io, [&] { return rec.subscribed.size() == 100 && pub.up(); }));
  EXPECT_EQ(rec.count_subscribed("ch7"), 2u);
  EXPECT_EQ(run(io, pub, {"PUBLISH", "ch7", "back"}).reply.integer, 1);
  ASSERT_TRUE(run_until(io, [&] { return rec.messages.size() == 1; }));
  EXPECT_EQ(rec.messages[0].second, "back");
  EXPECT_EQ(states, (std::vector<bool>{true, false, true}));
}

TEST(RedisReal, AclUserAuth) {
  NEED_REDIS();
  test::RedisServer srv;
  ASSERT_TRUE(srv.start());
  boost::asio::io_context io;
  auto cfg = test::local_cfg(srv.address());
  {
    Connection admin(io.get_executor(), ep_of(srv), cfg, "admin");
    ASSERT_TRUE(run_until(io, [&] { return admin.up(); }));
    auto r = run(io, admin, {"ACL", "SETUSER", "alice", "on", ">s3cret", "~app:*", "&*", "+@all"});
    ASSERT_TRUE(r.ok()) << r.error_text();
  }
  strata::test::TempDir dir;
  {
    std::FILE* f = std::fopen(dir.file("pw").c_str(), "w");
    std::fputs("s3cret\n", f);
    std::fclose(f);
  }
  auto good = cfg;
  good.username = "alice";
  good.password_file = dir.file("pw");
  Connection alice(io.get_executor(), ep_of(srv), good, "alice");
  ASSERT_TRUE(run_until(io, [&] { return alice.up(); }));
  EXPECT_EQ(run(io, alice, {"ACL", "WHOAMI"}).reply.str, "alice");
  EXPECT_TRUE(run(io, alice, {"SET", "app:1", "x"}).ok());
  EXPECT_TRUE(run(io, alice, {"SET", "other", "x"}).reply.is_error());  // outside ~app:*
  auto bad = good;
  bad.password_file.clear();
  bad.password = "wrong";
  Connection mallory(io.get_executor(), ep_of(srv), bad, "mallory");
  test::run_for(io, 300ms);
  EXPECT_FALSE(mallory.up());
  std::optional<Result> r;
  mallory.command({"PING"}, [&](Result x) { r = std::move(x); });
  ASSERT_TRUE(run_until(io, [&] { return r.has_value(); }));
  EXPECT_EQ(r->err, Errc::disconnected);
}

// A subscriber survives 100,000 publications sent in one burst while the
// server drops pub/sub clients whose output buffer passes 1 MB (or 512 kB
// for 5 s): the connection drains fast enough.
TEST(RedisReal, PubSubBurstUnderOutputBufferLimit) {
  NEED_REDIS();
  test::RedisServer srv({"--client-output-buffer-limit", "pubsub 1mb 512kb 5"});
  ASSERT_TRUE(srv.start());
  boost::asio::io_context io;
  auto cfg = test::local_cfg(srv.address());
  cfg.max_pending = 200000;
  cfg.command_timeout = 30s;
  test::Recorder rec;
  PubSubConnection ps(io.get_executor(), ep_of(srv), cfg, rec, false, "sub");
  Connection pub(io.get_executor(), ep_of(srv), cfg, "pub");
  ps.subscribe("burst");
  ASSERT_TRUE(run_until(io, [&] { return rec.subscribed.size() == 1 && pub.up(); }));
  auto limit = run(io, pub, {"CONFIG", "GET", "client-output-buffer-limit"});
  ASSERT_TRUE(limit.reply.is_array());
  ASSERT_EQ(limit.reply.elements.size(), 2u);
  EXPECT_NE(limit.reply.elements[1].str.find("pubsub 1048576 524288 5"), std::string::npos)
      << limit.reply.elements[1].str;
  auto pubsub_clients = [&] {
    auto list = run(io, pub, {"CLIENT", "LIST", "TYPE", "pubsub"}).reply.str;
    std::vector<std::string> ids;
    for (std::size_t p = list.find("id="); p != std::string::npos; p = list.find("id=", p + 1))
      ids.push_back(list.substr(p, list.find(' ', p) - p));
    return ids;
  };
  // A control subscriber that never reads: the limit must drop it.
  int lazy = ::socket(AF_INET, SOCK_STREAM, 0);
  {
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    a.sin_port = htons(srv.port());
    ASSERT_EQ(::connect(lazy, reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
    int small = 4096;
    ::setsockopt(lazy, SOL_SOCKET, SO_RCVBUF, &small, sizeof small);
    const char sub[] = "SUBSCRIBE burst\r\n";
    ASSERT_GT(::write(lazy, sub, sizeof sub - 1), 0);
  }
  ASSERT_TRUE(run_until(io, [&] { return pubsub_clients().size() == 2; }));
  const auto ours = pubsub_clients();
  // Our connections' own drops (the reconnects metric is process-wide: a
  // connection left by another test in this binary may count there).
  int pub_downs = 0;
  pub.on_state([&](bool up) { pub_downs += up ? 0 : 1; });
  const std::string payload(100, 'x');
  constexpr int kN = 100000;
  int acked = 0, receivers = 0;
  for (int i = 0; i < kN; ++i)
    pub.command({"PUBLISH", "burst", std::to_string(i) + ":" + payload}, [&](Result r) {
      ++acked;
      receivers += r.ok() ? static_cast<int>(r.reply.integer) : 0;
    });
  ASSERT_TRUE(run_until(io, [&] { return rec.messages.size() == kN && acked == kN; }, 120s))
      << rec.messages.size() << " messages, " << acked << " acks";
  EXPECT_GE(receivers, kN);
  EXPECT_LT(receivers, 2 * kN);  // the lazy subscriber was dropped during the burst
  for (int i = 0; i < kN; i += 997) ASSERT_EQ(rec.messages[i].second.substr(0, rec.messages[i].second.find(':')),
                                              std::to_string(i));
  EXPECT_TRUE(rec.interrupted.empty());
  EXPECT_EQ(pub_downs, 0);
  // Our subscriber is the same client as before the burst; the one that did not read was dropped.
  const auto after = pubsub_clients();
  ASSERT_EQ(after.size(), 1u);
  EXPECT_NE(std::find(ours.begin(), ours.end(), after[0]), ours.end());
  ::close(lazy);
}

}  // namespace
}  // namespace strata::redis
