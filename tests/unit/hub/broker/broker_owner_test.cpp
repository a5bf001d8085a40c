// The broker-mode owner (hub/broker/broker_owner.hpp) driven through the
// WorkerHub API with a fake redis::Client: node-level subscribe refcount,
// continuity (ordered, duplicates, gaps filled or resync), subscribe while
// messages are in flight, Redis down (local fallback), reconnect.
#include <gtest/gtest.h>

#include "hub/broker/scripts.hpp"
#include "hub/hub_metrics.hpp"
#include "unit/hub/broker/broker_harness.hpp"
#include "unit/hub/fake_client.hpp"

namespace strata::test {
namespace {

using hub::Position;
using hub::Push;
using hub::SubscribeResult;
namespace broker = hub::broker;

std::vector<std::string> kinds(const FakeHubClient& c) {
  std::vector<std::string> v;
  for (auto& p : c.pushes) {
    switch (p->kind) {
      case Push::Kind::publication: v.push_back("pub " + std::to_string(p->offset) + " " + p->epoch); break;
      case Push::Kind::resync: v.push_back("resync " + std::to_string(p->offset) + " " + p->epoch); break;
      case Push::Kind::join: v.push_back("join"); break;
      case Push::Kind::leave: v.push_back("leave"); break;
    }
  }
  return v;
}

// A live channel "c" on one worker with one subscriber at position (5, E).
struct Live {
  BrokerHarness h;
  FakeHubClient a{1};
  std::optional<SubscribeResult> ra;
  explicit Live(std::uint64_t top = 5) {
    h.subscribe(0, a, "c", ra);
    h.subscribed(0, "c");
    h.answer_read(0, top, "E");
  }
};

TEST(BrokerOwner, FirstSubscriberSubscribesTheNodeAndWaitsForTheTop) {
  BrokerHarness h;
  FakeHubClient a(1), b(2);
  std::optional<SubscribeResult> ra, rb;
  h.subscribe(0, a, "c", ra);
  EXPECT_EQ(h.redis().log, std::vector<std::string>{"subscribe " + h.pubsub("c")});
  EXPECT_FALSE(ra);  // waits for the subscription
  h.subscribed(0, "c");
  EXPECT_FALSE(ra);  // and the top
  auto args = h.answer_read(0, 5, "E");
  EXPECT_FALSE(args[0].empty());  // creates the stream's epoch if none
  ASSERT_TRUE(ra);
  EXPECT_EQ(ra->error, hub::Error::none);
  EXPECT_EQ(ra->position, (Position{5, "E"}));
  // A second local subscriber: no new Redis subscription, answered at once.
  h.subscribe(0, b, "c", rb);
  ASSERT_TRUE(rb);
  EXPECT_EQ(rb->position, (Position{5, "E"}));
  EXPECT_EQ(h.redis().log.size(), 1u);
  EXPECT_EQ(h.redis().pending(&broker::read_script()), 0u);
}

TEST(BrokerOwner, OrderedDeliveryDropsDuplicates) {
  Live l;
  auto dups = hub::HubMetrics::get().broker_duplicates.value();
  l.h.message(0, "c", 6, "E");
  l.h.message(0, "c", 7, "E");
  l.h.message(0, "c", 7, "E");  // duplicate
  l.h.message(0, "c", 5, "E");  // old
  EXPECT_EQ(kinds(l.a), (std::vector<std::string>{"pub 6 E", "pub 7 E"}));
  EXPECT_EQ(hub::HubMetrics::get().broker_duplicates.value() - dups, 2u);
}

TEST(BrokerOwner, GapIsFilledFromTheStreamInOrder) {
  Live l;
  auto rec = hub::HubMetrics::get().broker_gap_recovered.value();
  l.h.message(0, "c", 6, "E");
  l.h.message(0, "c", 9, "E");       // 7 and 8 missing
  l.h.message(0, "c", 10, "E");      // held while the gap is read
  EXPECT_EQ(kinds(l.a), std::vector<std::string>{"pub 6 E"});
  auto args = l.h.answer_read(0, 10, "E", {{7, "7"}, {8, "8"}});
  EXPECT_EQ(args[2], "7");  // from
  EXPECT_EQ(args[3], "8");  // to
  EXPECT_EQ(kinds(l.a), (std::vector<std::string>{"pub 6 E", "pub 7 E", "pub 8 E", "pub 9 E", "pub 10 E"}));
  EXPECT_EQ(hub::HubMetrics::get().broker_gap_recovered.value() - rec, 1u);
  // Data of the filled publications is the stream's.
  EXPECT_NE(l.a.pushes[1]->json.find("\"data\":7"), std::string::npos);
}

TEST(BrokerOwner, GapNotInTheStreamGivesOneResyncPush) {
  Live l;
  auto nrec = hub::HubMetrics::get().broker_gap_not_recovered.value();
  l.h.message(0, "c", 9, "E");
  l.h.message(0, "c", 10, "E");
  l.h.answer_read(0, 10, "E", {{8, "8"}});  // 6 and 7 were trimmed
  EXPECT_EQ(kinds(l.a), (std::vector<std::string>{"resync 8 E", "pub 9 E", "pub 10 E"}));
  EXPECT_EQ(hub::HubMetrics::get().broker_gap_not_recovered.value() - nrec, 1u);
  const auto& rs = *l.a.pushes[0];
  EXPECT_EQ(rs.json, R"({"push":{"channel":"c","subscribe":{"offset":8,"epoch":"E","recovered":false}}})");
  EXPECT_EQ(rs.sse_event,
            "id: E:8\nevent: subscribe\ndata: {\"channel\":\"c\",\"offset\":8,\"epoch\":\"E\",\"recovered\":false}\n\n");
}

TEST(BrokerOwner, NewEpochFromRedisResyncsThenDelivers) {
  Live l;
  l.h.message(0, "c", 1, "F");  // Redis lost the stream: new epoch
  l.h.message(0, "c", 2, "F");
  EXPECT_EQ(kinds(l.a), (std::vector<std::string>{"resync 0 F", "pub 1 F", "pub 2 F"}));
}

TEST(BrokerOwner, MessageInFlightDuringSubscribeIsMergedWithTheTop) {
  BrokerHarness h;
  FakeHubClient a(1);
  std::optional<SubscribeResult> ra;
  h.subscribe(0, a, "c", ra);
  h.subscribed(0, "c");
  h.message(0, "c", 6, "E");  // counted in the top read below: a duplicate
  h.message(0, "c", 7, "E");  // after the top: delivered after the reply
  h.answer_read(0, 6, "E");
  ASSERT_TRUE(ra);
  EXPECT_EQ(ra->position, (Position{6, "E"}));
  EXPECT_EQ(kinds(a), std::vector<std::string>{"pub 7 E"});
}

TEST(BrokerOwner, RecoveryReadsWhatTheCacheDoesNotHave) {
  Live l(5);
  FakeHubClient b(2), c(3);
  std::optional<SubscribeResult> rb, rc;
  l.h.subscribe(0, b, "c", rb, Position{2, "E"});
  EXPECT_FALSE(rb);  // reading 3..5
  l.h.message(0, "c", 6, "E");  // held until the read is back
  auto args = l.h.answer_read(0, 6, "E", {{3, "3"}, {4, "4"}, {5, "5"}});
  EXPECT_EQ(args[2], "3");
  EXPECT_EQ(args[3], "5");
  ASSERT_TRUE(rb);
  EXPECT_TRUE(rb->recovered);
  EXPECT_EQ(rb->position, (Position{5, "E"}));
  ASSERT_EQ(rb->missed.size(), 3u);
  EXPECT_EQ(rb->missed[0]->offset, 3u);
  EXPECT_EQ(rb->missed[2]->offset, 5u);
  EXPECT_EQ(kinds(b), std::vector<std::string>{"pub 6 E"});
  // Now 6 is in the cache: recovering from 5 needs no read.
  l.h.subscribe(0, c, "c", rc, Position{5, "E"});
  ASSERT_TRUE(rc);
  EXPECT_TRUE(rc->recovered);
  ASSERT_EQ(rc->missed.size(), 1u);
  EXPECT_EQ(l.h.redis().pending(&broker::read_script()), 0u);
}

TEST(BrokerOwner, RecoveryWithAHoleInTheStreamIsNotRecovered) {
  Live l(5);
  FakeHubClient b(2), c(3);
  std::optional<SubscribeResult> rb, rc;
  l.h.subscribe(0, b, "c", rb, Position{2, "E"});
  l.h.answer_read(0, 5, "E", {{4, "4"}, {5, "5"}});  // 3 trimmed
  ASSERT_TRUE(rb);
  EXPECT_FALSE(rb->recovered);
  EXPECT_TRUE(rb->missed.empty());
  // Another epoch: not recovered, no read.
  l.h.subscribe(0, c, "c", rc, Position{2, "X"});
  ASSERT_TRUE(rc);
  EXPECT_FALSE(rc->recovered);
  EXPECT_EQ(l.h.redis().pending(&broker::read_script()), 0u);
}

TEST(BrokerOwner, LastLocalSubscriberLeavingUnsubscribesTheNode) {
  Live l;
  FakeHubClient b(2);
  std::optional<SubscribeResult> rb;
  l.h.subscribe(0, b, "c", rb);
  l.h.on(0).unsubscribe(l.a, "c");
  l.h.run();
  EXPECT_EQ(l.h.redis().log.size(), 1u);
  l.h.on(0).remove(b);
  l.h.run();
  EXPECT_EQ(l.h.redis().log.back(), "unsubscribe " + l.h.pubsub("c"));
  EXPECT_EQ(l.h.impl(0).owned_channels(), 0u);
  // Late messages are ignored; a new subscriber subscribes again.
  l.h.message(0, "c", 6, "E");
  EXPECT_TRUE(b.pushes.empty());
  FakeHubClient c(3);
  std::optional<SubscribeResult> rc;
  l.h.subscribe(0, c, "c", rc);
  EXPECT_EQ(l.h.redis().log.back(), "subscribe " + l.h.pubsub("c"));
}

TEST(BrokerOwner, UnsubscribeWhileWaitingAnswersAndUnsubscribesTheNode) {
  BrokerHarness h;
  FakeHubClient a(1);
  std::optional<SubscribeResult> ra;
  h.subscribe(0, a, "c", ra);
  h.on(0).unsubscribe(a, "c");
  h.run();
  ASSERT_TRUE(ra);
  EXPECT_EQ(ra->error, hub::Error::not_subscribed);
  EXPECT_EQ(h.redis().log.back(), "unsubscribe " + h.pubsub("c"));
  EXPECT_EQ(h.impl(0).owned_channels(), 0u);
}

TEST(BrokerOwner, UnsubscribeDuringARecoveryRead) {
  Live l;
  FakeHubClient b(2);
  std::optional<SubscribeResult> rb;
  l.h.subscribe(0, b, "c", rb, Position{1, "E"});
  l.h.on(0).unsubscribe(b, "c");
  l.h.run();
  l.h.answer_read(0, 5, "E", {{2, "2"}, {3, "3"}, {4, "4"}, {5, "5"}});
  ASSERT_TRUE(rb);
  EXPECT_EQ(rb->error, hub::Error::not_subscribed);
  l.h.message(0, "c", 6, "E");
  EXPECT_EQ(kinds(l.a), std::vector<std::string>{"pub 6 E"});
  EXPECT_TRUE(b.pushes.empty());
}

TEST(BrokerOwner, PublishGoesThroughTheScriptAndComesBackByPubSub) {
  Live l;
  auto res = std::make_shared<std::optional<hub::PublishResult>>();
  l.h.on(0).publish(hub::PublishRequest{"c", "{\"x\":1}", nullptr}, [res](hub::PublishResult r) { *res = r; });
  l.h.run();
  auto call = l.h.redis().take(&broker::publish_script());
  EXPECT_EQ(call.route, l.h.names.route("c"));
  EXPECT_EQ(call.keys, (std::vector<std::string>{l.h.names.keys("c").stream, l.h.names.keys("c").meta}));
  EXPECT_EQ(call.args[0], "{\"x\":1}");
  EXPECT_EQ(call.args[2], "100");                       // history_size
  EXPECT_EQ(call.args[6], l.h.pubsub("c"));
  EXPECT_EQ(call.args[7], "publish");
  call.cb(ok(r_arr({r_int(6), r_str("E")})));
  l.h.run();
  ASSERT_TRUE(*res);
  EXPECT_EQ((*res)->position, (Position{6, "E"}));
  EXPECT_TRUE(l.a.pushes.empty());  // local subscribers get it from pub/sub, like every node
  l.h.message(0, "c", 6, "E", "{\"x\":1}");
  EXPECT_EQ(kinds(l.a), std::vector<std::string>{"pub 6 E"});
}

TEST(BrokerOwner, RedisDownPublishesLocallyThenResyncsOnReconnect) {
  Live l;
  l.h.message(0, "c", 6, "E");
  auto fb = hub::HubMetrics::get().broker_publish_fallback.value();
  l.h.interrupted(0, "c");
  l.h.redis().down = true;
  auto r1 = l.h.publish(0, "c");
  auto r2 = l.h.publish(0, "c");
  ASSERT_TRUE(r1 && r2);
  EXPECT_EQ(r1->position.offset, 7u);
  EXPECT_EQ(r2->position.offset, 8u);
  EXPECT_EQ(r1->position.epoch, "E~abcde");  // local epoch: positions are not Redis's
  EXPECT_EQ(hub::HubMetrics::get().broker_publish_fallback.value() - fb, 2u);
  EXPECT_EQ(kinds(l.a), (std::vector<std::string>{"pub 6 E", "pub 7 E~abcde", "pub 8 E~abcde"}));
  // A subscriber arriving while Redis is down is answered locally.
  FakeHubClient b(2);
  std::optional<SubscribeResult> rb;
  l.h.subscribe(0, b, "c", rb, Position{7, "E~abcde"});
  ASSERT_TRUE(rb);
  EXPECT_TRUE(rb->recovered);
  EXPECT_EQ(rb->missed.size(), 1u);
  // Redis back: the channel diverged, so everyone is told, once.
  l.h.redis().down = false;
  l.h.subscribed(0, "c");
  l.h.answer_read(0, 9, "E");
  EXPECT_EQ(kinds(l.a).back(), "resync 9 E");
  EXPECT_EQ(kinds(b), std::vector<std::string>{"resync 9 E"});
  l.h.message(0, "c", 10, "E");
  EXPECT_EQ(kinds(l.a).back(), "pub 10 E");
  EXPECT_EQ(kinds(b).back(), "pub 10 E");
}

TEST(BrokerOwner, InterruptionWithoutDivergenceIsFilledSeamlessly) {
  Live l;
  l.h.message(0, "c", 6, "E");
  l.h.interrupted(0, "c");
  l.h.message(0, "c", 7, "E");  // lost: not subscribed any more
  l.h.subscribed(0, "c");
  l.h.answer_read(0, 8, "E");   // the top: 7 and 8 missed
  auto args = l.h.answer_read(0, 8, "E", {{7, "7"}, {8, "8"}});
  EXPECT_EQ(args[2], "7");
  EXPECT_EQ(kinds(l.a), (std::vector<std::string>{"pub 6 E", "pub 7 E", "pub 8 E"}));
}

TEST(BrokerOwner, InterruptionWithTheStreamGoneResyncs) {
  Live l;
  l.h.interrupted(0, "c");
  l.h.subscribed(0, "c");
  l.h.answer_read(0, 0, "G");  // Redis restarted empty: a new epoch
  EXPECT_EQ(kinds(l.a), std::vector<std::string>{"resync 0 G"});
  l.h.message(0, "c", 1, "G");
  EXPECT_EQ(kinds(l.a).back(), "pub 1 G");
}

TEST(BrokerOwner, TopReadFailingAfterResubscribeIsRetriedBySweep) {
  // The pub/sub connection came back before the command connection: the
  // top read fails; the sweep reads it again once Redis is up.
  Live l;
  l.h.interrupted(0, "c");
  l.h.redis().down = true;
  auto r = l.h.publish(0, "c");  // local: 6 in E~abcde
  l.h.subscribed(0, "c");        // the read fails at once (down)
  l.h.impl(0).sweep();           // still down: nothing
  l.h.run();
  EXPECT_EQ(l.h.redis().pending(&broker::read_script()), 0u);
  l.h.redis().down = false;
  l.h.impl(0).sweep();
  l.h.run();
  l.h.answer_read(0, 7, "E");
  EXPECT_EQ(kinds(l.a), (std::vector<std::string>{"pub 6 E~abcde", "resync 7 E"}));
  l.h.message(0, "c", 8, "E");
  EXPECT_EQ(kinds(l.a).back(), "pub 8 E");
}

TEST(BrokerOwner, FailFastErrorsFallBackWithoutReentrancy) {
  // The fake fails inline while down (like the real client); the broker
  // posts the callback, the publish falls back locally.
  Live l;
  l.h.redis().down = true;
  auto r = l.h.publish(0, "c");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->error, hub::Error::none);
  EXPECT_EQ(r->position.offset, 6u);
}

TEST(BrokerOwner, PublishRacingAnOutageFallsBack) {
  Live l;
  auto res = std::make_shared<std::optional<hub::PublishResult>>();
  l.h.on(0).publish(hub::PublishRequest{"c", "1", nullptr}, [res](hub::PublishResult r) { *res = r; });
  l.h.run();
  auto call = l.h.redis().take(&broker::publish_script());
  call.cb(redis::Result{redis::Errc::timeout, {}});
  l.h.run();
  ASSERT_TRUE(*res);
  EXPECT_EQ((*res)->position, (Position{6, "E~abcde"}));
  EXPECT_EQ(kinds(l.a), std::vector<std::string>{"pub 6 E~abcde"});
}

TEST(BrokerOwner, RedisErrorReplyFallsBackLocallyAndIsCounted) {
  Live l;
  const auto errors = hub::HubMetrics::get().broker_publish_error.value();
  auto res = std::make_shared<std::optional<hub::PublishResult>>();
  l.h.on(0).publish(hub::PublishRequest{"c", "1", nullptr}, [res](hub::PublishResult r) { *res = r; });
  l.h.run();
  auto call = l.h.redis().take(&broker::publish_script());
  redis::Reply e;
  e.type = redis::Reply::Type::error;
  e.str = "OOM command not allowed";
  call.cb(ok(e));
  l.h.run();
  ASSERT_TRUE(*res);
  // A Redis that answers with an error is treated like an unreachable one
  // for delivery: this node's subscribers get the publication in a local
  // epoch, and the error is counted.
  EXPECT_EQ((*res)->error, hub::Error::none);
  EXPECT_EQ((*res)->position, (Position{6, "E~abcde"}));
  EXPECT_EQ(kinds(l.a), std::vector<std::string>{"pub 6 E~abcde"});
  EXPECT_EQ(hub::HubMetrics::get().broker_publish_error.value(), errors + 1);
}

TEST(BrokerOwner, SubscribeWhileRedisDownIsAnsweredLocallyThenResynced) {
  BrokerHarness h;
  h.redis().down = true;
  FakeHubClient a(1);
  std::optional<SubscribeResult> ra;
  h.subscribe(0, a, "c", ra);
  ASSERT_TRUE(ra);
  EXPECT_EQ(ra->position.offset, 0u);
  EXPECT_NE(ra->position.epoch.find("~abcde"), std::string::npos);
  h.redis().down = false;
  h.subscribed(0, "c");
  h.answer_read(0, 3, "E");
  EXPECT_EQ(kinds(a), std::vector<std::string>{"resync 3 E"});
}

TEST(BrokerOwner, SubscribeWaitingTooLongIsAnsweredLocally) {
  BrokerHarness h;
  FakeHubClient a(1);
  std::optional<SubscribeResult> ra;
  h.subscribe(0, a, "c", ra);
  h.impl(0).sweep();
  EXPECT_FALSE(ra);
  h.clock.advance(std::chrono::seconds(4));
  h.impl(0).sweep();
  h.run();
  ASSERT_TRUE(ra);
  EXPECT_EQ(ra->error, hub::Error::none);
}

TEST(BrokerOwner, FanOutToOtherWorkersKeepsOrder) {
  BrokerHarness h(2);
  std::string ch = h.owned_by(0);
  FakeHubClient a(1), b(2);
  std::optional<SubscribeResult> ra, rb;
  h.subscribe(1, a, ch, ra);  // a lives on worker 1, the owner is worker 0
  EXPECT_EQ(h.redis(0).log.size(), 1u);
  EXPECT_TRUE(h.redis(1).log.empty());
  h.subscribed(0, ch);
  h.answer_read(0, 2, "E");
  ASSERT_TRUE(ra);
  h.subscribe(0, b, ch, rb);
  for (std::uint64_t o = 3; o <= 6; ++o) h.message(0, ch, o, "E");
  EXPECT_EQ(a.offsets(), (std::vector<std::uint64_t>{3, 4, 5, 6}));
  EXPECT_EQ(b.offsets(), (std::vector<std::uint64_t>{3, 4, 5, 6}));
}

TEST(BrokerOwner, PresenceAndJoinLeaveGoThroughRedis) {
  BrokerHarness h;
  FakeHubClient a(1, "u1", "{\"n\":1}");
  std::optional<SubscribeResult> ra;
  h.subscribe(0, a, "p:room", ra);
  h.subscribed(0, "p:room");
  h.answer_read(0, 0, "E");
  ASSERT_TRUE(ra);
  auto add = h.redis().take(&broker::presence_add_script());
  EXPECT_EQ(add.keys[0], h.names.keys("p:room").presence);
  EXPECT_EQ(add.args[0], "60000");
  EXPECT_EQ(add.args[1], "1");
  EXPECT_EQ(add.args[3], "u1");
  auto join = h.redis().take(nullptr, "PUBLISH");
  EXPECT_EQ(join.args[0], h.pubsub("p:room"));
  // The join comes back through pub/sub to every node's subscribers.
  h.redis().handler->on_message(h.pubsub("p:room"), join.args[1]);
  h.run();
  EXPECT_EQ(kinds(a), std::vector<std::string>{"join"});
  // presence(): from Redis.
  std::optional<hub::PresenceResult> pr;
  h.on(0).presence("p:room", [&](hub::PresenceResult r) { pr = r; });
  h.run();
  auto get = h.redis().take(&broker::presence_get_script());
  get.cb(ok(r_arr({r_int(2), r_arr({r_str("1"), r_str("2:u1{}"), r_str("99"), r_str("2:u2")})})));
  h.run();
  ASSERT_TRUE(pr);
  EXPECT_EQ(pr->num_clients, 2u);
  EXPECT_EQ(pr->num_users, 2u);
  // Refresh: every presence_ttl/3, all local clients of the channel in one call.
  h.clock.advance(std::chrono::seconds(21));
  h.impl(0).sweep();
  auto refresh = h.redis().take(&broker::presence_add_script());
  EXPECT_EQ(refresh.args.size(), 4u);
  h.on(0).unsubscribe(a, "p:room");
  h.run();
  auto rm = h.redis().take(&broker::presence_remove_script());
  EXPECT_EQ(rm.args, (std::vector<std::string>{"1", "u1"}));
  EXPECT_EQ(h.redis().pending_command("PUBLISH"), 1u);  // the leave
}

TEST(BrokerOwner, HistoryFromRedisAndLocallyWhenDown) {
  Live l;
  std::optional<hub::HistoryResult> hr;
  l.h.on(0).history("c", Position{3, "E"}, 10, [&](hub::HistoryResult r) { hr = std::move(r); });
  l.h.run();
  auto args = l.h.answer_read(0, 5, "E", {{4, "4"}, {5, "5"}});
  EXPECT_EQ(args[0], "");   // a read never creates a stream
  EXPECT_EQ(args[2], "4");
  EXPECT_EQ(args[4], "10");
  ASSERT_TRUE(hr);
  EXPECT_TRUE(hr->recovered);
  EXPECT_EQ(hr->position, (Position{5, "E"}));
  ASSERT_EQ(hr->publications.size(), 2u);
  EXPECT_EQ(hr->publications[0]->offset, 4u);
  // Down: the local cache (what this node delivered), AP.
  l.h.message(0, "c", 6, "E");
  l.h.redis().down = true;
  hr.reset();
  l.h.on(0).history("c", std::nullopt, 0, [&](hub::HistoryResult r) { hr = std::move(r); });
  l.h.run();
  ASSERT_TRUE(hr);
  EXPECT_EQ(hr->position, (Position{6, "E"}));
  ASSERT_EQ(hr->publications.size(), 1u);
}

TEST(BrokerOwner, HeldMessagesOverflowResyncsFromTheTop) {
  config::HubConfig cfg = BrokerHarness::default_config();
  BrokerHarness h(1, cfg);
  FakeHubClient a(1);
  std::optional<SubscribeResult> ra;
  h.subscribe(0, a, "c", ra);
  h.subscribed(0, "c");
  h.answer_read(0, 5, "E");
  h.message(0, "c", 8, "E");  // gap read in flight: later messages are held
  for (std::uint64_t o = 9; o < 9 + 10001; ++o)
    h.redis().handler->on_message(h.pubsub("c"), broker::encode_publication(broker::Pub{o, "E", 1, "1"}));
  h.run();
  h.answer_read(0, 8, "E", {{6, "6"}, {7, "7"}});   // the gap read: 6..7 delivered, 8 held was dropped
  h.answer_read(0, 10009, "E");                      // the re-sync's top
  EXPECT_EQ(h.redis().pending(&broker::read_script()), 1u);  // filling 8..10009 from the stream
}

}  // namespace
}  // namespace strata::test
