// Connection against the scripted fake Redis: pipelining (one write per
// turn, replies in order), per-command timeout, overload, malformed and
// too large replies, AUTH failure with backoff, close and lifetime.
#include "redis/connection.hpp"

#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>
#include <optional>
#include <set>

#include "fake_redis.hpp"
#include "redis/link.hpp"
#include "redis/redis_metrics.hpp"
#include "redis_test_util.hpp"

namespace strata::redis {
namespace {

using namespace std::chrono_literals;
using test::FakeRedis;
using test::run_until;

config::RedisConfig fast_cfg(const FakeRedis& f) {
  auto c = test::local_cfg(f.address());
  c.command_timeout = 2000ms;
  return c;
}

TEST(RedisConnection, PipelinesOneTurnIntoOneWriteAndMatchesRepliesInOrder) {
  boost::asio::io_context io;
  FakeRedis fake(io);
  fake.on_command([](FakeRedis::Session& s, const std::vector<std::string>& cmd) {
    s.send(FakeRedis::bulk("re:" + cmd.at(1)));
  });
  Connection c(io.get_executor(), fake.endpoint(), fast_cfg(fake), "t");
  ASSERT_TRUE(run_until(io, [&] { return c.up(); }));
  std::vector<std::string> got;
  for (int i = 0; i < 5; ++i) c.command({"ECHO", std::to_string(i)}, [&](Result r) { got.push_back(r.reply.str); });
  ASSERT_TRUE(run_until(io, [&] { return got.size() == 5; }));
  EXPECT_EQ(got, (std::vector<std::string>{"re:0", "re:1", "re:2", "re:3", "re:4"}));
  ASSERT_FALSE(fake.last().commands_per_read.empty());
  EXPECT_EQ(fake.last().commands_per_read.front(), 5u);  // one write for the turn
}

TEST(RedisConnection, TimeoutResetsAndFailsEverythingInFlight) {
  boost::asio::io_context io;
  FakeRedis fake(io);
  std::set<std::size_t> stalled;  // sessions that got SLOW answer nothing more (Redis replies in order)
  fake.on_command([&](FakeRedis::Session& s, const std::vector<std::string>& cmd) {
    if (cmd[0] == "SLOW") stalled.insert(s.id);
    if (!stalled.count(s.id)) s.send(FakeRedis::ok());
  });
  auto cfg = fast_cfg(fake);
  cfg.command_timeout = 100ms;
  Connection c(io.get_executor(), fake.endpoint(), cfg, "t");
  ASSERT_TRUE(run_until(io, [&] { return c.up(); }));
  const auto timeouts = RedisMetrics::get().timeout.value();
  std::vector<Errc> errs;
  c.command({"SLOW"}, [&](Result r) { errs.push_back(r.err); });
  c.command({"FAST"}, [&](Result r) { errs.push_back(r.err); });  // behind the slow one
  const auto t0 = std::chrono::steady_clock::now();
  ASSERT_TRUE(run_until(io, [&] { return errs.size() == 2; }));
  EXPECT_GE(std::chrono::steady_clock::now() - t0, 90ms);
  EXPECT_EQ(errs, (std::vector<Errc>{Errc::timeout, Errc::timeout}));
  EXPECT_EQ(RedisMetrics::get().timeout.value(), timeouts + 2);
  ASSERT_TRUE(run_until(io, [&] { return c.up() && fake.accepted() == 2; }));  // reconnected
  std::optional<Result> r;
  c.command({"FAST"}, [&](Result x) { r = std::move(x); });
  ASSERT_TRUE(run_until(io, [&] { return r.has_value(); }));
  EXPECT_TRUE(r->ok());
}

TEST(RedisConnection, StalledServerThatStopsReadingTimesOut) {
  boost::asio::io_context io;
  FakeRedis fake(io);
  fake.on_command([](FakeRedis::Session& s, const std::vector<std::string>&) { s.stop_reading(); });
  auto cfg = fast_cfg(fake);
  cfg.command_timeout = 150ms;
  Connection c(io.get_executor(), fake.endpoint(), cfg, "t");
  ASSERT_TRUE(run_until(io, [&] { return c.up(); }));
  std::size_t done = 0, timeouts = 0;
  const std::string big(64 * 1024, 'x');
  for (int i = 0; i < 200; ++i)  // ~13 MB: more than the socket buffers hold
    c.command({"SET", "k", big}, [&](Result r) {
      ++done;
      timeouts += r.err == Errc::timeout;
    });
  ASSERT_TRUE(run_until(io, [&] { return done == 200; }, 5s));
  EXPECT_EQ(timeouts, 200u);
}

TEST(RedisConnection, SilentServerIsNoticedByTheIdleHeartbeat) {
  boost::asio::io_context io;
  FakeRedis fake(io);
  bool answer = true;
  fake.on_command([&](FakeRedis::Session& s, const std::vector<std::string>&) {
    if (answer) s.send("+PONG\r\n");
  });
  auto cfg = fast_cfg(fake);
  cfg.command_timeout = 100ms;  // heartbeat every max(100ms, 1s) = 1s
  Connection c(io.get_executor(), fake.endpoint(), cfg, "t");
  std::vector<bool> states;
  c.on_state([&](bool up) { states.push_back(up); });
  ASSERT_TRUE(run_until(io, [&] { return c.up(); }));
  ASSERT_TRUE(run_until(io, [&] { return fake.commands.size() == 1; }, 3s));  // an idle PING, answered
  EXPECT_EQ(fake.commands[0], (std::vector<std::string>{"PING"}));
  EXPECT_TRUE(c.up());
  answer = false;  // now the server is silent (like a partition: no RST)
  ASSERT_TRUE(run_until(io, [&] { return states.size() >= 2; }, 3s));
  EXPECT_EQ(states[1], false);
}

TEST(RedisConnection, OverloadedPastMaxPending) {
  boost::asio::io_context io;
  FakeRedis fake(io);
  fake.on_command([](FakeRedis::Session&, const std::vector<std::string>&) {});  // never answers
  auto cfg = fast_cfg(fake);
  cfg.max_pending = 2;
  Connection c(io.get_executor(), fake.endpoint(), cfg, "t");
  ASSERT_TRUE(run_until(io, [&] { return c.up(); }));
  std::vector<Errc> errs;
  for (int i = 0; i < 3; ++i) c.command({"X"}, [&](Result r) { errs.push_back(r.err); });
  ASSERT_TRUE(run_until(io, [&] { return errs.size() == 1; }));
  EXPECT_EQ(errs[0], Errc::overloaded);
  c.close();
  EXPECT_EQ(errs, (std::vector<Errc>{Errc::overloaded, Errc::closed, Errc::closed}));
}

TEST(RedisConnection, MalformedReplyIsProtocolErrorAndReconnects) {
  boost::asio::io_context io;
  FakeRedis fake(io);
  int n = 0;
  fake.on_command([&](FakeRedis::Session& s, const std::vector<std::string>&) {
    s.send(n++ == 0 ? "!garbage\r\n" : FakeRedis::ok());
  });
  Connection c(io.get_executor(), fake.endpoint(), fast_cfg(fake), "t");
  ASSERT_TRUE(run_until(io, [&] { return c.up(); }));
  const auto malformed = RedisMetrics::get().malformed.value();
  std::vector<Errc> errs;
  c.command({"A"}, [&](Result r) { errs.push_back(r.err); });
  c.command({"B"}, [&](Result r) { errs.push_back(r.err); });
  ASSERT_TRUE(run_until(io, [&] { return errs.size() == 2; }));
  EXPECT_EQ(errs[0], Errc::protocol);
  EXPECT_EQ(errs[1], Errc::protocol);
  EXPECT_EQ(RedisMetrics::get().malformed.value(), malformed + 1);
  ASSERT_TRUE(run_until(io, [&] { return c.up() && fake.accepted() == 2; }));
}

struct TooLarge : testing::TestWithParam<std::string> {};

TEST_P(TooLarge, RejectedAtOnceWithoutWaitingForTheBytes) {
  boost::asio::io_context io;
  FakeRedis fake(io);
  const std::string reply = GetParam();
  fake.on_command([&](FakeRedis::Session& s, const std::vector<std::string>&) { s.send(reply); });
  auto cfg = fast_cfg(fake);
  cfg.max_reply = 1024;
  cfg.command_timeout = 10s;
  Connection c(io.get_executor(), fake.endpoint(), cfg, "t");
  ASSERT_TRUE(run_until(io, [&] { return c.up(); }));
  const auto too_large = RedisMetrics::get().too_large.value();
  std::optional<Result> r;
  c.command({"GET", "k"}, [&](Result x) { r = std::move(x); });
  ASSERT_TRUE(run_until(io, [&] { return r.has_value(); }, 2s));  // not the 10 s timeout
  EXPECT_EQ(r->err, Errc::protocol);
  EXPECT_EQ(RedisMetrics::get().too_large.value(), too_large + 1);
}

INSTANTIATE_TEST_SUITE_P(Replies, TooLarge,
                         testing::Values("$999999999999\r\n",                      // a huge bulk announced
                                         "$2000\r\n" + std::string(100, 'x'),      // over the limit, partial
                                         "*100000000\r\n",                          // a huge array announced
                                         "*2\r\n$600\r\n" + std::string(600, 'a') + "\r\n$600\r\n",  // total
                                         "+" + std::string(4000, 's')));            // a status line without end

TEST(RedisConnection, ReplyWithNothingInFlightResets) {
  boost::asio::io_context io;
  FakeRedis fake(io);
  Connection c(io.get_executor(), fake.endpoint(), fast_cfg(fake), "t");
  ASSERT_TRUE(run_until(io, [&] { return c.up() && fake.accepted() == 1; }));
  const auto wrong = RedisMetrics::get().wrong_type.value();
  fake.last().send(FakeRedis::ok());
  ASSERT_TRUE(run_until(io, [&] { return RedisMetrics::get().wrong_type.value() == wrong + 1; }));
  ASSERT_TRUE(run_until(io, [&] { return c.up() && fake.accepted() == 2; }));
}

TEST(RedisConnection, AuthAndSelectThenUp) {
  boost::asio::io_context io;
  FakeRedis fake(io);
  auto cfg = fast_cfg(fake);
  cfg.username = "u";
  cfg.password = "p";
  cfg.db = 2;
  Connection c(io.get_executor(), fake.endpoint(), cfg, "t");
  ASSERT_TRUE(run_until(io, [&] { return c.up(); }));
  ASSERT_EQ(fake.commands.size(), 2u);
  EXPECT_EQ(fake.commands[0], (std::vector<std::string>{"AUTH", "u", "p"}));
  EXPECT_EQ(fake.commands[1], (std::vector<std::string>{"SELECT", "2"}));
}

TEST(RedisConnection, AuthFailureStaysDownAndRetriesWithBackoff) {
  boost::asio::io_context io;
  FakeRedis fake(io);
  fake.on_command([](FakeRedis::Session& s, const std::vector<std::string>& cmd) {
    s.send(cmd[0] == "AUTH" ? FakeRedis::error("WRONGPASS invalid username-password pair") : FakeRedis::ok());
  });
  auto cfg = fast_cfg(fake);
  cfg.password = "bad";
  cfg.reconnect_min = 20ms;
  cfg.reconnect_max = 80ms;
  Connection c(io.get_executor(), fake.endpoint(), cfg, "t");
  int ups = 0;
  c.on_state([&](bool up) { ups += up; });
  test::run_for(io, 600ms);
  EXPECT_EQ(ups, 0);
  EXPECT_FALSE(c.up());
  // 600 ms with waits of 10..80 ms: at least 600/80 attempts, at most 600/10.
  EXPECT_GE(fake.accepted(), 5u);
  EXPECT_LE(fake.accepted(), 61u);
  std::optional<Result> r;
  c.command({"PING"}, [&](Result x) { r = std::move(x); });
  EXPECT_FALSE(r.has_value());  // never inside command()
  ASSERT_TRUE(run_until(io, [&] { return r.has_value(); }));
  EXPECT_EQ(r->err, Errc::disconnected);
}

// The backoff: attempt k waits uniformly in [d/2, d], d = min * 2^k capped at max.
struct BackoffProbe final : detail::Link {
  using Link::Link;
  void on_up() override {}
  void on_down(Errc) override {}
  void on_reply(Reply&) override {}
};

TEST(RedisConnection, JitteredExponentialBackoffBounds) {
  boost::asio::io_context io;
  config::RedisConfig cfg;
  cfg.reconnect_min = 100ms;
  cfg.reconnect_max = 1000ms;
  auto l = std::make_shared<BackoffProbe>(io.get_executor(), Endpoint{"127.0.0.1", 1}, cfg, "t", true);
  const long long caps[] = {100, 200, 400, 800, 1000, 1000, 1000};
  for (long long cap : caps) {
    auto d = l->next_backoff().count();
    EXPECT_GE(d, cap / 2);
    EXPECT_LE(d, cap);
  }
  // Jitter: many draws at the cap are not all equal.
  std::set<long long> seen;
  for (int i = 0; i < 50; ++i) seen.insert(l->next_backoff().count());
  EXPECT_GT(seen.size(), 10u);
}

TEST(RedisConnection, ConnectRefusedFailsFastThenConnectsWhenServerAppears) {
  boost::asio::io_context io;
  const auto port = test::free_port();
  auto cfg = test::local_cfg("127.0.0.1:" + std::to_string(port));
  Connection c(io.get_executor(), Endpoint{"127.0.0.1", port}, cfg, "t");
  std::optional<Result> r;
  c.command({"PING"}, [&](Result x) { r = std::move(x); });
  ASSERT_TRUE(run_until(io, [&] { return r.has_value(); }));
  EXPECT_EQ(r->err, Errc::disconnected);
  test::run_for(io, 50ms);
  EXPECT_FALSE(c.up());
}

TEST(RedisConnection, CloseFailsPendingAndLaterCommands) {
  boost::asio::io_context io;
  FakeRedis fake(io);
  fake.on_command([](FakeRedis::Session&, const std::vector<std::string>&) {});
  Connection c(io.get_executor(), fake.endpoint(), fast_cfg(fake), "t");
  ASSERT_TRUE(run_until(io, [&] { return c.up(); }));
  std::vector<Errc> errs;
  c.command({"A"}, [&](Result r) { errs.push_back(r.err); });
  c.close();
  EXPECT_EQ(errs, (std::vector<Errc>{Errc::closed}));
  EXPECT_FALSE(c.up());
  c.command({"B"}, [&](Result r) { errs.push_back(r.err); });
  ASSERT_TRUE(run_until(io, [&] { return errs.size() == 2; }));
  EXPECT_EQ(errs[1], Errc::closed);
}

TEST(RedisConnection, DestroyedFromItsOwnCallbackAndWithOperationsInFlight) {
  boost::asio::io_context io;
  FakeRedis fake(io);
  fake.on_command([](FakeRedis::Session& s, const std::vector<std::string>& cmd) {
    if (cmd[0] != "HANG") s.send(FakeRedis::ok());
  });
  auto c = std::make_unique<Connection>(io.get_executor(), fake.endpoint(), fast_cfg(fake), "t");
  ASSERT_TRUE(run_until(io, [&] { return c->up(); }));
  std::vector<Errc> errs;
  c->command({"A"}, [&](Result r) {
    errs.push_back(r.err);
    c.reset();  // the connection goes away while its read loop runs
  });
  c->command({"B"}, [&](Result r) { errs.push_back(r.err); });
  ASSERT_TRUE(run_until(io, [&] { return errs.size() == 2; }));
  EXPECT_EQ(errs, (std::vector<Errc>{Errc::ok, Errc::closed}));
  // Destroyed with a read, a write and timers pending: ASan checks the rest.
  auto d = std::make_unique<Connection>(io.get_executor(), fake.endpoint(), fast_cfg(fake), "t2");
  ASSERT_TRUE(run_until(io, [&] { return d->up(); }));
  d->command({"HANG"}, [](Result) {});
  d.reset();
  test::run_for(io, 50ms);
}

}  // namespace
}  // namespace strata::redis
