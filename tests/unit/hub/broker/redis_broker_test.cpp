// RedisBroker (hub/broker/redis_broker.hpp) on the fake client: replies of
// the wrong shape and malformed pub/sub payloads are counted and turned
// into failures, never crashes; cluster mode uses SPUBLISH.
#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>

#include "hub/broker/payload.hpp"
#include "hub/broker/redis_broker.hpp"
#include "hub/broker/scripts.hpp"
#include "hub/hub_metrics.hpp"
#include "unit/hub/broker/fake_redis_client.hpp"

namespace strata::test {
namespace {

namespace broker = hub::broker;

struct Events final : broker::Events {
  std::vector<std::string> log;
  void on_publication(std::string_view c, broker::Pub p) override {
    log.push_back("pub " + std::string(c) + " " + std::to_string(p.offset) + " " + p.data);
  }
  void on_join(std::string_view c, hub::ClientId id, std::string_view u, std::string_view) override {
    log.push_back("join " + std::string(c) + " " + std::to_string(id) + " " + std::string(u));
  }
  void on_leave(std::string_view c, hub::ClientId id, std::string_view) override {
    log.push_back("leave " + std::string(c) + " " + std::to_string(id));
  }
  void on_subscribed(std::string_view c) override { log.push_back("subscribed " + std::string(c)); }
  void on_interrupted(std::string_view c) override { log.push_back("interrupted " + std::string(c)); }
};

struct Fixture {
  boost::asio::io_context io;
  FakeRedisClient* fake = nullptr;
  std::unique_ptr<broker::RedisBroker> b;
  Events ev;
  explicit Fixture(bool cluster = false) {
    auto c = std::make_unique<FakeRedisClient>();
    c->cluster = cluster;
    fake = c.get();
    b = std::make_unique<broker::RedisBroker>(std::move(c), io.get_executor(), "strata", 16);
    b->set_events(&ev);
  }
  void run() {
    io.restart();
    io.poll();
  }
};

TEST(RedisBroker, MalformedRepliesFailAndAreCounted) {
  Fixture f;
  auto bad = hub::HubMetrics::get().broker_bad_replies.value();
  std::vector<broker::ReadResult> reads;
  auto read = [&] { f.b->read("c", broker::ReadRequest{.from = 1}, [&](broker::ReadResult r) { reads.push_back(r); }); };
  read();
  f.fake->take(&broker::read_script()).cb(ok(r_str("nope")));             // not an array
  read();
  f.fake->take(&broker::read_script()).cb(ok(r_arr({r_int(3), r_str("E"), r_str("x-1")})));  // short entry
  read();
  f.fake->take(&broker::read_script()).cb(ok(r_arr({r_int(3), r_str("E"), r_str("zz"), r_str("d"), r_str("1")})));
  read();
  f.fake->take(&broker::read_script())
      .cb(ok(r_arr({r_int(3), r_str("E"), r_str("2-1"), r_str("d"), r_str("1"), r_str("3-1"), r_str("e"), r_str("1")})));
  f.run();
  ASSERT_EQ(reads.size(), 4u);
  for (int i = 0; i < 3; ++i) EXPECT_EQ(reads[i].status, broker::Status::failed) << i;
  EXPECT_EQ(reads[3].status, broker::Status::ok);
  ASSERT_EQ(reads[3].pubs.size(), 2u);
  EXPECT_EQ(reads[3].pubs[1].offset, 3u);
  EXPECT_EQ(reads[3].pubs[1].data, "e");
  EXPECT_EQ(hub::HubMetrics::get().broker_bad_replies.value() - bad, 3u);

  std::vector<broker::Status> pubs;
  auto publish = [&] {
    f.b->publish("c", "1", 1, {}, "E", [&](broker::Status s, hub::Position) { pubs.push_back(s); });
  };
  publish();
  f.fake->take(&broker::publish_script()).cb(ok(r_arr({r_str("x"), r_str("E")})));
  publish();
  f.fake->take(&broker::publish_script()).cb(redis::Result{redis::Errc::protocol, {}});
  publish();
  f.fake->take(&broker::publish_script()).cb(redis::Result{redis::Errc::overloaded, {}});
  EXPECT_EQ(pubs, (std::vector<broker::Status>{broker::Status::failed, broker::Status::failed,
                                               broker::Status::unavailable}));
  std::vector<broker::Status> pres;
  f.b->presence_get("c", [&](broker::Status s, hub::PresenceResult) { pres.push_back(s); });
  f.fake->take(&broker::presence_get_script()).cb(ok(r_arr({r_int(1), r_arr({r_str("x"), r_str("2:u1")})})));
  EXPECT_EQ(pres, std::vector<broker::Status>{broker::Status::failed});
}

TEST(RedisBroker, PubSubMessagesAreDecodedOrDropped) {
  Fixture f;
  auto bad = hub::HubMetrics::get().broker_bad_replies.value();
  const std::string ps = f.b->names().keys("chat:a").pubsub;
  f.b->on_subscribed(ps);
  f.b->on_message(ps, broker::encode_publication(broker::Pub{4, "E", 9, "{\"x\":1}"}));
  f.b->on_message(ps, broker::encode_join(7, "u", "{}"));
  f.b->on_message(ps, broker::encode_leave(7, "u"));
  f.b->on_message(ps, "garbage");
  f.b->on_message("someone-else", broker::encode_leave(7, "u"));
  f.b->on_interrupted(ps);
  EXPECT_EQ(f.ev.log, (std::vector<std::string>{"subscribed chat:a", "pub chat:a 4 {\"x\":1}", "join chat:a 7 u",
                                                "leave chat:a 7", "interrupted chat:a"}));
  EXPECT_EQ(hub::HubMetrics::get().broker_bad_replies.value() - bad, 2u);
}

TEST(RedisBroker, ClusterUsesShardedPubSub) {
  Fixture f(true);
  f.b->publish("c", "1", 1, {}, "E", [](broker::Status, hub::Position) {});
  auto call = f.fake->take(&broker::publish_script());
  EXPECT_EQ(call.args[7], "spublish");
  f.b->send_join("c", 1, "u", "");
  EXPECT_EQ(f.fake->pending_command("SPUBLISH"), 1u);
  f.b->subscribe("c");
  EXPECT_EQ(f.fake->log, std::vector<std::string>{"subscribe " + f.b->names().keys("c").pubsub});
}

TEST(RedisBroker, InlineAnswersArePosted) {
  Fixture f;
  f.fake->down = true;
  bool called = false;
  f.b->read("c", {}, [&](broker::ReadResult r) {
    called = true;
    EXPECT_EQ(r.status, broker::Status::unavailable);
  });
  EXPECT_FALSE(called);  // not inside the call
  f.run();
  EXPECT_TRUE(called);
}

}  // namespace
}  // namespace strata::test
