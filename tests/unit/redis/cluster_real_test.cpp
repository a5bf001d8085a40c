// The cluster client against a REAL Redis Cluster made by the test: six
// redis-server processes (cluster-node-timeout 1000 ms) joined by
// `redis-cli --cluster create ... --cluster-replicas 1` (3 masters, 3
// replicas). Skipped when redis-server/redis-cli are missing. One cluster
// for the suite; the tests run in order and the last ones change it (a slot
// migrated, then a master killed). Each test is bounded (< 30 s).
#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>
#include <cstdio>
#include <memory>
#include <optional>
#include <set>
#include <thread>

#include "config/redis.hpp"
#include "redis/cluster_client.hpp"
#include "redis/partition_tags.hpp"
#include "redis/redis_metrics.hpp"
#include "redis/script.hpp"
#include "redis/slot.hpp"
#include "redis_test_util.hpp"

namespace strata::redis {
namespace {

using namespace std::chrono_literals;
using test::run_until;

std::string sh(const std::string& cmd) {
  std::string out;
  FILE* f = ::popen((cmd + " 2>&1").c_str(), "r");
  if (!f) return out;
  char buf[4096];
  std::size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, f)) > 0) out.append(buf, n);
  ::pclose(f);
  return out;
}

std::string cli(std::uint16_t port, const std::string& args) {
  auto out = sh("timeout 10 redis-cli -p " + std::to_string(port) + " " + args);
  while (!out.empty() && (out.back() == '\n' || out.back() == '\r')) out.pop_back();
  return out;
}

bool have_tools() { return std::system("command -v redis-server >/dev/null && command -v redis-cli >/dev/null") == 0; }

// Bounded wait on external processes (no event loop to drive here).
template <class P>
bool wait_for(P pred, std::chrono::milliseconds limit) {
  auto end = std::chrono::steady_clock::now() + limit;
  while (!pred()) {
    if (std::chrono::steady_clock::now() > end) return false;
    std::this_thread::sleep_for(100ms);
  }
  return true;
}

class Cluster {
 public:
  bool start(std::string& why) {
    for (int i = 0; i < 6; ++i)
      nodes_.push_back(std::make_unique<test::RedisServer>(std::vector<std::string>{
          "--cluster-enabled", "yes", "--cluster-config-file", "nodes.conf", "--cluster-node-timeout", "1000",
          "--cluster-port", std::to_string(test::free_port())}));
    for (auto& n : nodes_)
      if (!n->start()) {
        why = "a redis-server did not start";
        return false;
      }
    std::string cmd = "timeout 30 redis-cli --cluster create";
    for (auto& n : nodes_) cmd += " " + n->address();
    cmd += " --cluster-replicas 1 --cluster-yes";
    auto out = sh(cmd);
    if (out.find("[OK] All 16384 slots covered") == std::string::npos) {
      why = "redis-cli --cluster create failed: " + out;
      return false;
    }
    bool ok = wait_for(
        [&] {
          for (auto& n : nodes_) {
            if (cli(n->port(), "CLUSTER INFO").find("cluster_state:ok") == std::string::npos) return false;
            auto role = cli(n->port(), "ROLE");
            if (role.rfind("slave", 0) == 0 &&
                cli(n->port(), "INFO replication").find("master_link_status:up") == std::string::npos)
              return false;
          }
          return true;
        },
        20s);
    if (!ok) why = "the cluster did not reach cluster_state:ok with every replica in sync";
    return ok;
  }

  std::vector<std::string> seeds() const {
    std::vector<std::string> s;
    for (auto& n : nodes_) s.push_back(n->address());
    return s;
  }
  test::RedisServer* by_port(std::uint16_t p) {
    for (auto& n : nodes_)
      if (n->port() == p) return n.get();
    return nullptr;
  }
  std::vector<std::unique_ptr<test::RedisServer>>& nodes() { return nodes_; }

 private:
  std::vector<std::unique_ptr<test::RedisServer>> nodes_;
};

config::RedisConfig cluster_cfg(const std::vector<std::string>& seeds) {
  auto c = test::local_cfg(seeds.front());
  c.mode = config::RedisMode::cluster;
  c.addresses = seeds;
  c.connect_timeout = 500ms;
  c.command_timeout = 2000ms;
  return c;
}

Result run(boost::asio::io_context& io, Client& c, std::string_view route, std::vector<std::string> args) {
  std::optional<Result> out;
  c.command(route, std::move(args), [&](Result r) { out = std::move(r); });
  EXPECT_TRUE(run_until(io, [&] { return out.has_value(); }, 10s));
  return out ? std::move(*out) : Result{Errc::closed, {}};
}

class RedisCluster : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    if (!have_tools()) return;
    cluster_ = new Cluster;
    if (!cluster_->start(why_)) {
      delete cluster_;
      cluster_ = nullptr;
    }
  }
  static void TearDownTestSuite() {
    delete cluster_;
    cluster_ = nullptr;
  }
  void SetUp() override {
    if (!have_tools()) GTEST_SKIP() << "redis-server or redis-cli is not installed";
    ASSERT_NE(cluster_, nullptr) << why_;
  }

  // A fresh client that has read the topology.
  std::unique_ptr<ClusterClient> client(test::Recorder* rec = nullptr) {
    auto c = make_cluster(cluster_cfg(cluster_->seeds()), io_.get_executor(), "test");
    if (rec) c->set_handler(rec);
    EXPECT_TRUE(run_until(io_, [&] {
      if (c->topology().covered() != kSlots) return false;
      for (const auto& r : routes())
        if (!c->up(r)) return false;
      return true;
    }, 10s));
    return c;
  }

  // One route per master: the hash tags of 3 partitions (one per third).
  std::vector<std::string> routes() {
    std::vector<std::string> r;
    for (auto& t : cluster_partition_tags(3)) r.push_back("{" + t + "}");
    return r;
  }

  static Cluster* cluster_;
  static std::string why_;
  boost::asio::io_context io_;
};
Cluster* RedisCluster::cluster_ = nullptr;
std::string RedisCluster::why_;

TEST_F(RedisCluster, TopologyAndCommandsRoutedToEveryMaster) {
  auto c = client();
  ASSERT_EQ(c->topology().masters().size(), 3u);
  for (const auto& sh : c->topology().shards()) EXPECT_EQ(sh.replicas.size(), 1u);
  auto& m = RedisMetrics::get();
  auto moved0 = m.moved.value(), ask0 = m.ask.value();
  std::set<std::string> masters;
  for (const auto& r : routes()) {
    std::string key = r + "k";
    auto res = run(io_, *c, key, {"SET", key, "v" + r});
    ASSERT_TRUE(res.ok()) << res.error_text();
    res = run(io_, *c, key, {"GET", key});
    ASSERT_TRUE(res.ok()) << res.error_text();
    EXPECT_EQ(res.reply.str, "v" + r);
    const Endpoint* owner = c->topology().master_of(key_slot(key));
    ASSERT_NE(owner, nullptr);
    masters.insert(owner->to_string());
    // The key is on that master (asked directly, no redirection).
    EXPECT_EQ(cli(owner->port, "CLUSTER COUNTKEYSINSLOT " + std::to_string(key_slot(key))), "1");
  }
  EXPECT_EQ(masters.size(), 3u);  // the three routes hit three masters
  EXPECT_EQ(m.moved.value(), moved0);
  EXPECT_EQ(m.ask.value(), ask0);

  // A script: EVALSHA -> NOSCRIPT -> EVAL on the right node, then EVALSHA.
  Script s("return redis.call('INCRBY', KEYS[1], ARGV[1])");
  for (const auto& r : routes()) {
    for (int i = 1; i <= 2; ++i) {
      std::optional<Result> out;
      c->eval(r, s, {r + "n"}, {"5"}, [&](Result res) { out = std::move(res); });
      ASSERT_TRUE(run_until(io_, [&] { return out.has_value(); }));
      ASSERT_TRUE(out->ok()) << out->error_text();
      EXPECT_EQ(out->reply.integer, 5 * i);
    }
  }
}

TEST_F(RedisCluster, ShardedPubSubOnEveryMaster) {
  test::Recorder rec;
  auto c = client(&rec);
  auto pub = client();
  auto rs = routes();
  for (const auto& r : rs) c->subscribe(r, r + "chan");
  ASSERT_TRUE(run_until(io_, [&] { return rec.subscribed.size() == rs.size(); }));
  std::set<std::string> placed;
  for (const auto& r : rs) placed.insert(c->placed_on(r + "chan"));
  EXPECT_EQ(placed.size(), 3u);
  for (const auto& r : rs) {
    auto res = run(io_, *pub, r, {"SPUBLISH", r + "chan", "hello " + r});
    ASSERT_TRUE(res.ok()) << res.error_text();
    EXPECT_EQ(res.reply.integer, 1);
  }
  ASSERT_TRUE(run_until(io_, [&] { return rec.messages.size() == rs.size(); }));
  // One connection per master: no order between shards.
  std::set<std::pair<std::string, std::string>> got(rec.messages.begin(), rec.messages.end()), want;
  for (const auto& r : rs) want.emplace(r + "chan", "hello " + r);
  EXPECT_EQ(got, want);
  c->unsubscribe(rs[0], rs[0] + "chan");
  test::run_for(io_, 100ms);
  auto res = run(io_, *pub, rs[0], {"SPUBLISH", rs[0] + "chan", "gone"});
  EXPECT_EQ(res.reply.integer, 0);
  EXPECT_TRUE(rec.interrupted.empty());
}

// One slot moved by hand from its master to another: ASK while it is
// migrating, MOVED once it has moved (a client with the old topology), the
// server's SUNSUBSCRIBE -> the subscription is placed on the new owner.
TEST_F(RedisCluster, SlotMigrationAskMovedAndSubscriptionMoved) {
  auto t0 = std::chrono::steady_clock::now();
  test::Recorder rec;
  auto c = client(&rec);
  auto stale = client();  // keeps the topology of before the migration
  std::string route = routes()[0], chan = route + "chan", k1 = route + "k1";
  unsigned slot = key_slot(route);
  Endpoint src = *c->topology().master_of(slot);
  Endpoint dst = *c->topology().master_of(key_slot(routes()[1]));
  ASSERT_NE(src, dst);
  c->subscribe(route, chan);
  ASSERT_TRUE(run_until(io_, [&] { return rec.subscribed.size() == 1; }));
  ASSERT_TRUE(run(io_, *c, k1, {"SET", k1, "one"}).ok());

  auto src_id = cli(src.port, "CLUSTER MYID"), dst_id = cli(dst.port, "CLUSTER MYID");
  auto s = std::to_string(slot);
  ASSERT_EQ(cli(dst.port, "CLUSTER SETSLOT " + s + " IMPORTING " + src_id), "OK");
  ASSERT_EQ(cli(src.port, "CLUSTER SETSLOT " + s + " MIGRATING " + dst_id), "OK");
  ASSERT_EQ(cli(src.port, "MIGRATE 127.0.0.1 " + std::to_string(dst.port) + " \"\" 0 5000 KEYS " + k1), "OK");

  auto& m = RedisMetrics::get();
  auto ask0 = m.ask.value(), moved0 = m.moved.value();
  auto res = run(io_, *c, k1, {"GET", k1});  // src: ASK -> ASKING + GET on dst
  ASSERT_TRUE(res.ok()) << res.error_text();
  EXPECT_EQ(res.reply.str, "one");
  EXPECT_EQ(m.ask.value(), ask0 + 1);

  for (auto* n : {&dst, &src}) ASSERT_EQ(cli(n->port, "CLUSTER SETSLOT " + s + " NODE " + dst_id), "OK");
  for (const auto& mm : c->topology().masters())
    if (mm != src && mm != dst) cli(mm.port, "CLUSTER SETSLOT " + s + " NODE " + dst_id);

  // The subscriber: interrupted by src's SUNSUBSCRIBE, subscribed on dst.
  ASSERT_TRUE(run_until(io_, [&] { return rec.count_subscribed(chan) == 2; }, 15s))
      << "interrupted " << rec.interrupted.size();
  EXPECT_EQ(rec.interrupted, std::vector<std::string>{chan});
  EXPECT_EQ(c->placed_on(chan), dst.to_string());

  // The stale client: MOVED, followed, and the key read on dst. (Unless it
  // already re-read the topology meanwhile, e.g. after a connection of its
  // own to src was reset: then no MOVED is needed, and none may count.)
  const auto* before = stale->topology().master_of(slot);
  const bool stale_knew = before && *before == dst;
  const auto moved1 = m.moved.value();
  res = run(io_, *stale, k1, {"GET", k1});
  ASSERT_TRUE(res.ok()) << res.error_text();
  EXPECT_EQ(res.reply.str, "one");
  if (stale_knew)
    EXPECT_EQ(m.moved.value(), moved1);
  else
    EXPECT_GE(m.moved.value(), moved1 + 1);
  EXPECT_GE(m.moved.value(), moved0 + (stale_knew ? 0 : 1));
  ASSERT_TRUE(run_until(io_, [&] { return stale->topology().master_of(slot) && *stale->topology().master_of(slot) == dst; }));

  res = run(io_, *stale, route, {"SPUBLISH", chan, "after migration"});
  ASSERT_TRUE(res.ok()) << res.error_text();
  ASSERT_TRUE(run_until(io_, [&] { return !rec.messages.empty(); }));
  EXPECT_EQ(rec.messages.back().second, "after migration");
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 30s);
}

// A master killed (kill -9): the replica is promoted (node timeout 1 s),
// commands for its slots fail fast meanwhile, then go to the new master;
// the sharded subscription comes back (on_interrupted, on_subscribed) and
// a later SPUBLISH is received, with the same client.
TEST_F(RedisCluster, MasterKilledReplicaPromotedSubscriptionBack) {
  auto t0 = std::chrono::steady_clock::now();
  test::Recorder rec;
  auto c = client(&rec);
  auto pub = client();
  std::string route = routes()[2], chan = route + "chan", key = route + "k";
  unsigned slot = key_slot(route);
  int shard = c->topology().shard_of(slot);
  ASSERT_GE(shard, 0);
  Endpoint master = c->topology().shards()[std::size_t(shard)].master;
  ASSERT_EQ(c->topology().shards()[std::size_t(shard)].replicas.size(), 1u);
  Endpoint replica = c->topology().shards()[std::size_t(shard)].replicas[0];
  c->subscribe(route, chan);
  ASSERT_TRUE(run_until(io_, [&] { return rec.subscribed.size() == 1; }));
  ASSERT_TRUE(run(io_, *pub, route, {"SPUBLISH", chan, "before"}).ok());
  ASSERT_TRUE(run_until(io_, [&] { return rec.messages.size() == 1; }));

  auto* srv = cluster_->by_port(master.port);
  ASSERT_NE(srv, nullptr);
  srv->stop();  // SIGKILL

  ASSERT_TRUE(run_until(io_, [&] { return !c->up(route); }, 5s));
  ASSERT_TRUE(run_until(io_, [&] { return rec.interrupted.size() == 1; }, 5s));
  // Fail fast during the outage.
  auto t1 = std::chrono::steady_clock::now();
  auto res = run(io_, *c, key, {"SET", key, "x"});
  if (!c->up(route)) {
    EXPECT_EQ(res.err, Errc::disconnected);
    EXPECT_LT(std::chrono::steady_clock::now() - t1, 500ms);
  }

  // Failover, then the subscription is placed on the promoted replica.
  ASSERT_TRUE(run_until(io_, [&] { return rec.count_subscribed(chan) == 2; }, 20s))
      << "interrupted " << rec.interrupted.size() << ", placed on " << c->placed_on(chan);
  EXPECT_EQ(rec.interrupted, std::vector<std::string>{chan});
  EXPECT_EQ(c->placed_on(chan), replica.to_string());
  EXPECT_EQ(*c->topology().master_of(slot), replica);
  ASSERT_TRUE(run_until(io_, [&] { return c->up(route); }, 5s));
  res = run(io_, *c, key, {"SET", key, "after"});
  ASSERT_TRUE(res.ok()) << res.error_text();

  // The publisher client follows too (MOVED or its own refresh on the lost master).
  ASSERT_TRUE(run_until(io_, [&] { return pub->up(route); }, 10s));
  res = run(io_, *pub, route, {"SPUBLISH", chan, "after failover"});
  ASSERT_TRUE(res.ok()) << res.error_text();
  ASSERT_TRUE(run_until(io_, [&] { return rec.messages.size() == 2; }));
  EXPECT_EQ(rec.messages.back().second, "after failover");
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 30s);
}

}  // namespace
}  // namespace strata::redis
