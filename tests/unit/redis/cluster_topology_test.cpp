// CLUSTER SHARDS / CLUSTER SLOTS parsing and MOVED/ASK redirections, with
// canned replies (the shapes Redis 7.0 sends) and malformed ones.
#include "redis/cluster_topology.hpp"

#include <initializer_list>

#include <gtest/gtest.h>

namespace strata::redis {
namespace {

Reply S(std::string s) {
  Reply r;
  r.type = Reply::Type::string;
  r.str = std::move(s);
  return r;
}
Reply I(long long v) {
  Reply r;
  r.type = Reply::Type::integer;
  r.integer = v;
  return r;
}
Reply A(std::initializer_list<Reply> l) {
  Reply r;
  r.type = Reply::Type::array;
  r.elements = l;
  return r;
}
Reply Nil() { return Reply{}; }
Reply Err(std::string s) {
  Reply r = S(std::move(s));
  r.type = Reply::Type::error;
  return r;
}

Reply node(std::string ip, long long port, std::string role, std::string health = "online",
           std::string endpoint = "") {
  return A({S("id"), S("e7d1eecce10fd6bb5eb35b9f99a514335d9ba9ca"), S("port"), I(port), S("ip"), S(ip),
            S("endpoint"), S(endpoint.empty() ? ip : endpoint), S("role"), S(role), S("replication-offset"),
            I(72156), S("health"), S(health)});
}
Reply shard(std::initializer_list<Reply> slots, std::initializer_list<Reply> nodes) {
  return A({S("slots"), A(slots), S("nodes"), A(nodes)});
}

const TopologyContext ctx{{"10.0.0.9", 7000}, false};

// The three-master layout of `redis-cli --cluster create --cluster-replicas 1`.
Reply three_shards() {
  return A({shard({I(0), I(5460)}, {node("127.0.0.1", 30001, "master"), node("127.0.0.1", 30005, "replica")}),
            shard({I(5461), I(10922)}, {node("127.0.0.1", 30002, "master"), node("127.0.0.1", 30006, "replica")}),
            shard({I(10923), I(16383)}, {node("127.0.0.1", 30003, "master"), node("127.0.0.1", 30004, "replica")})});
}

TEST(ClusterTopology, ParsesClusterShards) {
  ClusterTopology t;
  std::string err;
  ASSERT_TRUE(parse_cluster_shards(three_shards(), ctx, t, err)) << err;
  EXPECT_EQ(t.covered(), 16384u);
  ASSERT_EQ(t.shards().size(), 3u);
  EXPECT_EQ(t.master_of(0)->to_string(), "127.0.0.1:30001");
  EXPECT_EQ(t.master_of(5460)->to_string(), "127.0.0.1:30001");
  EXPECT_EQ(t.master_of(5461)->to_string(), "127.0.0.1:30002");
  EXPECT_EQ(t.master_of(16383)->to_string(), "127.0.0.1:30003");
  EXPECT_EQ(t.master_of(16384), nullptr);
  ASSERT_EQ(t.shards()[2].replicas.size(), 1u);
  EXPECT_EQ(t.shards()[2].replicas[0].port, 30004);
  // A replica that is still loading counts, a failed one does not.
  ClusterTopology t2;
  ASSERT_TRUE(parse_cluster_shards(A({shard({I(0), I(16383)}, {node("127.0.0.1", 1, "master"),
                                                               node("127.0.0.1", 2, "replica", "loading"),
                                                               node("127.0.0.1", 3, "replica", "fail")})}),
                                   ctx, t2, err)) << err;
  ASSERT_EQ(t2.shards()[0].replicas.size(), 1u);
  EXPECT_EQ(t2.shards()[0].replicas[0].port, 2);
  EXPECT_EQ(t.masters().size(), 3u);
}

TEST(ClusterTopology, SeveralRangesGapsAndEmptyShards) {
  auto r = A({shard({I(0), I(99), I(200), I(299)}, {node("10.1.1.1", 6379, "master")}),
              shard({}, {node("10.1.1.2", 6379, "master", "failed")}),  // a failed master without slots
              shard({I(100), I(150)}, {node("10.1.1.3", 6379, "master")})});
  ClusterTopology t;
  std::string err;
  ASSERT_TRUE(parse_cluster_shards(r, ctx, t, err)) << err;
  EXPECT_EQ(t.covered(), 100u + 100u + 51u);
  EXPECT_EQ(t.shards().size(), 2u);
  EXPECT_EQ(t.master_of(250)->host, "10.1.1.1");
  EXPECT_EQ(t.master_of(120)->host, "10.1.1.3");
  EXPECT_EQ(t.master_of(160), nullptr);
  EXPECT_EQ(t.shard_of(160), -1);
}

TEST(ClusterTopology, FailoverLeavesAFailedMasterBesideThePromotedOne) {
  auto r = A({shard({I(0), I(16383)}, {node("127.0.0.1", 30001, "master", "failed"),
                                       node("127.0.0.1", 30004, "master", "online")})});
  ClusterTopology t;
  std::string err;
  ASSERT_TRUE(parse_cluster_shards(r, ctx, t, err)) << err;
  EXPECT_EQ(t.master_of(7)->port, 30004);
}

TEST(ClusterTopology, EndpointHostnameUnknownAndTls) {
  // endpoint wins over ip; "" = the node asked; "?" = unknown (skipped).
  auto r = A({shard({I(0), I(10)}, {node("192.168.0.1", 6379, "master", "online", "redis-a.local")}),
              shard({I(11), I(20)}, {A({S("port"), I(6380), S("ip"), S(""), S("endpoint"), S(""), S("role"),
                                        S("master"), S("health"), S("online")})}),
              shard({I(21), I(30)}, {node("192.168.0.3", 6379, "master", "online", "?")})});
  ClusterTopology t;
  std::string err;
  ASSERT_TRUE(parse_cluster_shards(r, ctx, t, err)) << err;
  EXPECT_EQ(t.master_of(5)->host, "redis-a.local");
  EXPECT_EQ(t.master_of(15)->to_string(), "10.0.0.9:6380");
  EXPECT_EQ(t.master_of(25), nullptr);  // its master's address is unknown: uncovered
  EXPECT_EQ(t.covered(), 21u);

  auto ok = A({shard({I(0), I(10)}, {node("192.168.0.1", 6379, "master", "online", "redis-a.local")}),
               shard({I(11), I(20)}, {A({S("port"), I(6380), S("tls-port"), I(6390), S("ip"), S(""), S("role"),
                                         S("master"), S("health"), S("online")})})});
  ASSERT_TRUE(parse_cluster_shards(ok, ctx, t, err)) << err;
  EXPECT_EQ(t.master_of(5)->host, "redis-a.local");
  EXPECT_EQ(t.master_of(15)->to_string(), "10.0.0.9:6380");
  ASSERT_TRUE(parse_cluster_shards(ok, TopologyContext{{"10.0.0.9", 7000}, true}, t, err)) << err;
  EXPECT_EQ(t.master_of(15)->port, 6390);
}

TEST(ClusterTopology, MalformedShardsGiveAnErrorNotACrash) {
  std::vector<std::pair<Reply, std::string>> bad = {
      {S("nope"), "not an array"},
      {Err("ERR unknown subcommand 'SHARDS'"), "unknown subcommand"},
      {A({S("slots")}), "shard is not a key/value array"},
      {A({A({S("slots"), A({I(0), I(10)})})}), "lacks"},
      {A({A({I(1), A({}), S("nodes"), A({})})}), "field name"},
      {A({shard({I(0)}, {node("1.1.1.1", 1, "master")})}), "odd number"},
      {A({shard({I(10), I(5)}, {node("1.1.1.1", 1, "master")})}), "bad slot range"},
      {A({shard({I(0), I(16384)}, {node("1.1.1.1", 1, "master")})}), "bad slot range"},
      {A({shard({I(-1), I(3)}, {node("1.1.1.1", 1, "master")})}), "bad slot range"},
      {A({shard({S("x"), I(3)}, {node("1.1.1.1", 1, "master")})}), "bad slot range"},
      {A({shard({I(0), I(3)}, {S("node")})}), "not a key/value array"},
      {A({shard({I(0), I(3)}, {A({S("port"), I(1), S("role")})})}), "not a key/value array"},
      {A({shard({I(0), I(3)}, {A({S("port"), I(1)})})}), "no role"},
      {A({shard({I(0), I(3)}, {A({S("port"), S("x"), S("role"), S("master")})})}), "not an integer"},
      {A({shard({I(0), I(3)}, {A({S("port"), I(70000), S("ip"), S("a"), S("role"), S("master")})})}), "port"},
      {A({shard({I(0), I(3)}, {A({S("ip"), S("a"), S("role"), S("master")})})}), "port"},
      {A({shard({I(0), I(3)}, {A({S("port"), I(1), S("role"), I(3)})})}), "role"},
      {A({shard({I(0), I(3)}, {node("1.1.1.1", 1, "replica")})}), "no master"},
      {A({shard({I(0), I(3)}, {A({I(5), I(1)})})}), "field name"},
  };
  for (auto& [r, want] : bad) {
    ClusterTopology t;
    std::string err;
    EXPECT_FALSE(parse_cluster_shards(r, ctx, t, err)) << want;
    EXPECT_NE(err.find(want), std::string::npos) << "want '" << want << "' in: " << err;
    EXPECT_EQ(err.rfind("CLUSTER SHARDS", 0), 0u) << err;
  }
  // Deeply nested junk where a node is expected.
  Reply deep = S("x");
  for (int i = 0; i < 1000; ++i) deep = A({deep});
  ClusterTopology t;
  std::string err;
  EXPECT_FALSE(parse_cluster_shards(A({shard({I(0), I(3)}, {deep})}), ctx, t, err));
}

TEST(ClusterTopology, ParsesClusterSlots) {
  auto n = [](std::string ip, long long port) { return A({S(ip), I(port), S("0123abcd"), A({})}); };
  auto r = A({A({I(0), I(5460), n("127.0.0.1", 30001), n("127.0.0.1", 30005)}),
              A({I(5461), I(10922), n("127.0.0.1", 30002)}),
              A({I(10923), I(16000), n("127.0.0.1", 30003), n("127.0.0.1", 30004)}),
              A({I(16001), I(16383), n("127.0.0.1", 30003)}),  // second range of the same master
              A({I(100), I(200), A({Nil(), I(30009)})})});     // nil host: the node asked (overlap kept first)
  ClusterTopology t;
  std::string err;
  ASSERT_TRUE(parse_cluster_slots(r, ctx, t, err)) << err;
  EXPECT_EQ(t.covered(), 16384u);
  EXPECT_EQ(t.shards().size(), 4u);
  EXPECT_EQ(t.master_of(16383)->port, 30003);
  EXPECT_EQ(t.master_of(150)->port, 30001);
  EXPECT_EQ(t.shards()[2].slots.size(), 2u);
  EXPECT_EQ(t.shards()[3].master.to_string(), "10.0.0.9:30009");
  EXPECT_EQ(t.masters().size(), 4u);
  ASSERT_EQ(t.shards()[0].replicas.size(), 1u);

  ClusterTopology shards;
  ASSERT_TRUE(parse_cluster_shards(three_shards(), ctx, shards, err));
  ClusterTopology slots3;
  ASSERT_TRUE(parse_cluster_slots(A({A({I(0), I(5460), n("127.0.0.1", 30001)}),
                                     A({I(5461), I(10922), n("127.0.0.1", 30002)}),
                                     A({I(10923), I(16383), n("127.0.0.1", 30003)})}),
                                  ctx, slots3, err));
  EXPECT_TRUE(shards.same_masters(slots3));
  EXPECT_TRUE(shards.same_masters(t));  // the overlapping range kept its first master
  ClusterTopology one;
  ASSERT_TRUE(parse_cluster_slots(A({A({I(0), I(16383), n("127.0.0.1", 30001)})}), ctx, one, err));
  EXPECT_FALSE(shards.same_masters(one));
}

TEST(ClusterTopology, MalformedSlots) {
  std::vector<Reply> bad = {
      I(3),
      Err("ERR This instance has cluster support disabled"),
      A({I(0)}),
      A({A({I(0), I(10)})}),
      A({A({I(0), I(10), S("127.0.0.1:1")})}),
      A({A({I(0), I(10), A({S("h")})})}),
      A({A({I(0), I(10), A({S("h"), I(0)})})}),
      A({A({I(0), I(10), A({I(5), I(1)})})}),
      A({A({I(11), I(10), A({S("h"), I(1)})})}),
      A({A({I(0), I(10), A({S("h"), I(1)}), A({S("h")})})}),
  };
  for (const auto& r : bad) {
    ClusterTopology t;
    std::string err;
    EXPECT_FALSE(parse_cluster_slots(r, ctx, t, err));
    EXPECT_EQ(err.rfind("CLUSTER SLOTS", 0), 0u) << err;
  }
}

TEST(ClusterTopology, Redirects) {
  Endpoint from{"10.0.0.9", 7000};
  auto m = parse_redirect("MOVED 3999 127.0.0.1:6381", from);
  ASSERT_TRUE(m);
  EXPECT_EQ(m->kind, Redirect::Kind::moved);
  EXPECT_EQ(m->slot, 3999u);
  EXPECT_EQ(m->to.to_string(), "127.0.0.1:6381");
  auto a = parse_redirect("ASK 16383 [::1]:7001", from);
  ASSERT_TRUE(a);
  EXPECT_EQ(a->kind, Redirect::Kind::ask);
  EXPECT_EQ(a->slot, 16383u);
  EXPECT_EQ(a->to.host, "::1");
  EXPECT_EQ(a->to.port, 7001);
  auto h = parse_redirect("MOVED 1 :6390", from);
  ASSERT_TRUE(h);
  EXPECT_EQ(h->to.to_string(), "10.0.0.9:6390");
  auto n = parse_redirect("MOVED 2 redis-b.local:6379", from);
  ASSERT_TRUE(n);
  EXPECT_EQ(n->to.host, "redis-b.local");
  for (auto s : {"MOVED", "MOVED ", "MOVED 3999", "MOVED x 1.1.1.1:1", "MOVED 16384 1.1.1.1:1", "MOVED -1 1.1.1.1:1",
                 "MOVED 1 1.1.1.1", "MOVED 1 1.1.1.1:99999", "ASK 1", "ERR wrong", "NOSCRIPT x", "moved 1 a:1", ""})
    EXPECT_FALSE(parse_redirect(s, from)) << s;
  EXPECT_FALSE(parse_redirect("MOVED 1 :6390", Endpoint{"", 1}));
  EXPECT_TRUE(is_retryable_cluster_error("TRYAGAIN Multiple keys request during rehashing of slot"));
  EXPECT_TRUE(is_retryable_cluster_error("CLUSTERDOWN The cluster is down"));
  EXPECT_FALSE(is_retryable_cluster_error("ERR x"));
}

}  // namespace
}  // namespace strata::redis
