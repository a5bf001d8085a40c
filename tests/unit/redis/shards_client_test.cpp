// Shards mode routing: a route always goes to shard jump_bucket(route, n),
// for commands, scripts, pub/sub and up(); the partition tags spread over
// the shards; adding a shard moves only about 1/n of the partitions.
#include "redis/shards_client.hpp"

#include <gtest/gtest.h>

#include "redis/partition_tags.hpp"
#include "redis/script.hpp"
#include "redis/slot.hpp"

namespace strata::redis {
namespace {

struct FakeClient final : Client {
  std::vector<std::string> routes, subs, unsubs;
  SubscriberHandler* handler = nullptr;
  bool is_up = true, closed = false;
  void command(std::string_view route, std::vector<std::string> args, Callback cb) override {
    routes.emplace_back(route);
    Result r;
    r.reply.type = Reply::Type::status;
    r.reply.str = args.empty() ? "" : args[0];
    cb(std::move(r));
  }
  void eval(std::string_view route, const Script&, std::vector<std::string>, std::vector<std::string>,
            Callback cb) override {
    routes.emplace_back(route);
    cb(Result{});
  }
  void subscribe(std::string_view route, std::string_view ch) override { subs.push_back(std::string(route) + " " + std::string(ch)); }
  void unsubscribe(std::string_view route, std::string_view ch) override {
    unsubs.push_back(std::string(route) + " " + std::string(ch));
  }
  void set_handler(SubscriberHandler* h) override { handler = h; }
  bool up(std::string_view) const override { return is_up; }
  bool sharded() const override { return false; }
  void close() override { closed = true; }
};

struct NullHandler final : SubscriberHandler {
  void on_message(std::string_view, std::string_view) override {}
  void on_subscribed(std::string_view) override {}
  void on_interrupted(std::string_view) override {}
};

TEST(ShardsClient, RoutesByJumpHash) {
  std::vector<FakeClient*> f;
  std::vector<std::unique_ptr<Client>> parts;
  for (int i = 0; i < 3; ++i) {
    auto p = std::make_unique<FakeClient>();
    f.push_back(p.get());
    parts.push_back(std::move(p));
  }
  auto c = make_sharded_over(std::move(parts));
  ASSERT_TRUE(c);
  NullHandler h;
  c->set_handler(&h);
  for (auto* p : f) EXPECT_EQ(p->handler, &h);
  EXPECT_FALSE(c->sharded());
  Script s("return 1");
  for (const auto& t : partition_tags(128, false)) {
    std::string route = "{" + t + "}";
    unsigned want = shard_of(route, 3);
    EXPECT_EQ(want, jump_bucket(route, 3));
    bool called = false;
    c->command(route, {"GET", route + "x"}, [&](Result r) {
      called = true;
      EXPECT_EQ(r.reply.str, "GET");
    });
    EXPECT_TRUE(called);
    c->eval(route, s, {route + "x"}, {}, [](Result) {});
    c->subscribe(route, route + "c");
    c->unsubscribe(route, route + "c");
    ASSERT_FALSE(f[want]->routes.empty());
    EXPECT_EQ(f[want]->routes.back(), route);
    EXPECT_EQ(f[want]->subs.back(), route + " " + route + "c");
    EXPECT_EQ(f[want]->unsubs.back(), route + " " + route + "c");
    f[want]->is_up = false;
    EXPECT_FALSE(c->up(route));
    f[want]->is_up = true;
    EXPECT_TRUE(c->up(route));
  }
  std::size_t total = 0;
  for (auto* p : f) {
    // 128 partitions (two calls each): jump hash gives each shard about a
    // third (measured 38/35/55 for these tags: hashing, not placement).
    EXPECT_GE(p->routes.size(), 2u * 30) << "a shard got too few partitions";
    EXPECT_LE(p->routes.size(), 2u * 60);
    total += p->routes.size();
  }
  EXPECT_EQ(total, 2u * 128);
  c->close();
  for (auto* p : f) EXPECT_TRUE(p->closed);
}

TEST(ShardsClient, AddingAShardMovesAboutOneNth) {
  unsigned moved = 0;
  for (const auto& t : partition_tags(1024, false)) {
    auto r = "{" + t + "}";
    unsigned a = shard_of(r, 3), b = shard_of(r, 4);
    if (a != b) {
      ++moved;
      EXPECT_EQ(b, 3u);  // only to the new shard
    }
  }
  EXPECT_GT(moved, 1024u / 4 - 64);
  EXPECT_LT(moved, 1024u / 4 + 64);
}

TEST(ShardsClient, NoShards) { EXPECT_EQ(make_sharded_over({}), nullptr); }

}  // namespace
}  // namespace strata::redis
