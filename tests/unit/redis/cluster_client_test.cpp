// The cluster client against scripted fake nodes (fake_redis.hpp):
// CLUSTER SLOTS fallback, MOVED followed, ASK with ASKING, a redirect loop
// bounded by max_redirects, and a malformed topology reply (clear error,
// metric, commands fail, no crash; read again later).
#include <gtest/gtest.h>

#include <optional>

#include "config/redis.hpp"
#include "redis/cluster_client.hpp"
#include "redis/redis_metrics.hpp"
#include "redis/slot.hpp"
#include "fake_redis.hpp"
#include "redis_test_util.hpp"

namespace strata::redis {
namespace {

using namespace std::chrono_literals;
using test::run_until;

std::string slots_all_to(std::uint16_t port) {
  return "*1\r\n*3\r\n:0\r\n:16383\r\n*2\r\n$9\r\n127.0.0.1\r\n:" + std::to_string(port) + "\r\n";
}

config::RedisConfig cfg_for(const std::string& seed) {
  auto c = test::local_cfg(seed);
  c.mode = config::RedisMode::cluster;
  c.max_redirects = 3;
  return c;
}

Result run(boost::asio::io_context& io, Client& c, std::string_view route, std::vector<std::string> args) {
  std::optional<Result> out;
  c.command(route, std::move(args), [&](Result r) { out = std::move(r); });
  EXPECT_TRUE(run_until(io, [&] { return out.has_value(); }, 5s));
  return out ? std::move(*out) : Result{Errc::closed, {}};
}

bool is(const std::vector<std::string>& cmd, std::string_view a, std::string_view b = {}) {
  return !cmd.empty() && cmd[0] == a && (b.empty() || (cmd.size() > 1 && cmd[1] == b));
}

TEST(ClusterClient, SlotsFallbackMovedAndAsk) {
  boost::asio::io_context io;
  test::FakeRedis a(io), b(io);
  int moved_left = 1, ask_left = 1;
  bool b_owns = false;
  auto topo = [&](test::FakeRedis::Session& s, const std::vector<std::string>& cmd) {
    if (is(cmd, "CLUSTER", "SHARDS")) return s.send("-ERR unknown subcommand 'shards'. Try CLUSTER HELP.\r\n"), true;
    if (is(cmd, "CLUSTER", "SLOTS")) return s.send(slots_all_to(b_owns ? b.port() : a.port())), true;
    return false;
  };
  a.on_command([&](auto& s, const auto& cmd) {
    if (topo(s, cmd)) return;
    if (is(cmd, "GET", "moved") && moved_left-- > 0)
      return s.send("-MOVED " + std::to_string(key_slot("moved")) + " 127.0.0.1:" + std::to_string(b.port()) + "\r\n");
    if (is(cmd, "GET", "ask") && ask_left-- > 0)
      return s.send("-ASK " + std::to_string(key_slot("ask")) + " :" + std::to_string(b.port()) + "\r\n");
    s.send("$1\r\na\r\n");
  });
  b.on_command([&](auto& s, const auto& cmd) {
    if (topo(s, cmd)) return;
    if (is(cmd, "ASKING")) return s.send("+OK\r\n");
    s.send("$1\r\nb\r\n");
  });
  auto c = make_cluster(cfg_for(a.address()), io.get_executor(), "t");
  ASSERT_TRUE(run_until(io, [&] { return c->topology_reads() == 1; }));
  EXPECT_EQ(c->topology().master_of(0)->port, a.port());
  EXPECT_TRUE(c->up("x"));
  EXPECT_TRUE(c->sharded());

  auto& m = RedisMetrics::get();
  auto moved0 = m.moved.value(), ask0 = m.ask.value();
  auto r = run(io, *c, "ask", {"GET", "ask"});
  ASSERT_TRUE(r.ok()) << r.error_text();
  EXPECT_EQ(r.reply.str, "b");
  EXPECT_EQ(m.ask.value(), ask0 + 1);
  // ASKING then the command, on b.
  auto& bc = b.commands;
  ASSERT_GE(bc.size(), 2u);
  EXPECT_TRUE(is(bc[bc.size() - 2], "ASKING"));
  EXPECT_TRUE(is(bc.back(), "GET", "ask"));

  b_owns = true;  // the slot map says b from now on
  r = run(io, *c, "moved", {"GET", "moved"});
  ASSERT_TRUE(r.ok()) << r.error_text();
  EXPECT_EQ(r.reply.str, "b");
  EXPECT_EQ(m.moved.value(), moved0 + 1);
  ASSERT_TRUE(run_until(io, [&] { return c->topology().master_of(0)->port == b.port(); }));
  r = run(io, *c, "other", {"GET", "other"});  // straight to b now
  EXPECT_EQ(r.reply.str, "b");
  EXPECT_EQ(m.moved.value(), moved0 + 1);
}

TEST(ClusterClient, RedirectLoopEndsAfterMaxRedirects) {
  boost::asio::io_context io;
  test::FakeRedis a(io), b(io);
  auto both = [&](test::FakeRedis& other) {
    return [&](test::FakeRedis::Session& s, const std::vector<std::string>& cmd) {
      if (is(cmd, "CLUSTER", "SHARDS")) return s.send("-ERR unknown subcommand\r\n");
      if (is(cmd, "CLUSTER", "SLOTS")) return s.send(slots_all_to(a.port()));
      s.send("-MOVED 1 127.0.0.1:" + std::to_string(other.port()) + "\r\n");
    };
  };
  a.on_command(both(b));
  b.on_command(both(a));
  auto c = make_cluster(cfg_for(a.address()), io.get_executor(), "t");
  ASSERT_TRUE(run_until(io, [&] { return c->topology_reads() == 1; }));
  auto r = run(io, *c, "k", {"GET", "k"});
  EXPECT_EQ(r.err, Errc::redirected);
  EXPECT_EQ(a.commands.size() + b.commands.size() >= 4, true);
}

TEST(ClusterClient, MalformedTopologyIsAnErrorThenReadAgain) {
  boost::asio::io_context io;
  test::FakeRedis a(io);
  bool good = false;
  a.on_command([&](auto& s, const auto& cmd) {
    if (is(cmd, "CLUSTER", "SHARDS")) {
      if (!good) return s.send("*1\r\n*2\r\n$5\r\nslots\r\n:3\r\n");  // no nodes, slots not an array
      return s.send("*1\r\n*4\r\n$5\r\nslots\r\n*2\r\n:0\r\n:16383\r\n$5\r\nnodes\r\n*1\r\n*6\r\n$4\r\nport\r\n:" +
                    std::to_string(a.port()) + "\r\n$2\r\nip\r\n$9\r\n127.0.0.1\r\n$4\r\nrole\r\n$6\r\nmaster\r\n");
    }
    s.send("+PONG\r\n");
  });
  auto& m = RedisMetrics::get();
  auto bad0 = m.malformed.value();
  auto c = make_cluster(cfg_for(a.address()), io.get_executor(), "t");
  std::optional<Result> early;
  c->command("k", {"PING"}, [&](Result r) { early = std::move(r); });  // waits for the first read
  ASSERT_TRUE(run_until(io, [&] { return early.has_value(); }));
  EXPECT_EQ(early->err, Errc::disconnected);
  EXPECT_GE(m.malformed.value(), bad0 + 1);
  EXPECT_FALSE(c->up("k"));
  EXPECT_TRUE(c->topology().empty());
  good = true;  // the next read (retried after 250 ms) succeeds
  ASSERT_TRUE(run_until(io, [&] { return c->topology_reads() == 1; }, 5s));
  ASSERT_TRUE(run_until(io, [&] { return c->up("k"); }));
  auto r = run(io, *c, "k", {"PING"});
  EXPECT_TRUE(r.ok()) << r.error_text();
  c->close();
  r = run(io, *c, "k", {"PING"});
  EXPECT_EQ(r.err, Errc::closed);
}

}  // namespace
}  // namespace strata::redis
