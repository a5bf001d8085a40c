#include <gtest/gtest.h>

#include <set>

#include "hub/hub_metrics.hpp"
#include "unit/hub/fake_client.hpp"
#include "unit/hub/hub_harness.hpp"

using namespace strata;
using namespace std::chrono_literals;
using hub::Error;
using test::FakeHubClient;
using test::HubHarness;
using Offsets = std::vector<std::uint64_t>;

namespace {

config::HubConfig cfg_ns(config::HubNamespace ns) {
  auto c = HubHarness::default_config();
  c.namespaces.push_back(std::move(ns));
  return c;
}

}  // namespace

TEST(HubWorkers, PublishReachesSubscribersOnEveryWorker) {
  HubHarness h(3);
  std::string ch = h.owned_by(1);
  FakeHubClient a(1), b(2), c(3);
  EXPECT_EQ(h.subscribe(0, a, ch).error, Error::none);
  EXPECT_EQ(h.subscribe(1, b, ch).error, Error::none);
  EXPECT_EQ(h.subscribe(2, c, ch).error, Error::none);
  auto r = h.publish(2, ch, R"({"x":1})");
  ASSERT_EQ(r.error, Error::none);
  EXPECT_EQ(r.position.offset, 1u);
  EXPECT_EQ(r.position.epoch.size(), 8u);
  for (auto* cl : {&a, &b, &c}) {
    ASSERT_EQ(cl->pushes.size(), 1u);
    EXPECT_EQ(cl->pushes[0]->channel, ch);
    EXPECT_EQ(cl->pushes[0]->epoch, r.position.epoch);
  }
  EXPECT_EQ(a.pushes[0].get(), c.pushes[0].get());  // the same bytes everywhere
  h.on(0).remove(a);
  h.on(1).remove(b);
  h.on(2).remove(c);
  h.run();
  EXPECT_EQ(h.impl(1).owned_channels(), 1u);  // history keeps it
}

TEST(HubWorkers, SubscribeReplyCarriesPositionThenLivePublications) {
  HubHarness h(2);
  std::string ch = h.owned_by(0);
  for (int i = 0; i < 3; ++i) h.publish(1, ch);
  FakeHubClient a(1);
  auto s = h.subscribe(1, a, ch);
  EXPECT_EQ(s.position.offset, 3u);
  EXPECT_FALSE(s.recovery_asked);
  EXPECT_TRUE(s.missed.empty());
  h.publish(0, ch);
  h.publish(1, ch);
  EXPECT_EQ(a.offsets(), (Offsets{4, 5}));
}

TEST(HubWorkers, RecoveryExactThenLive) {
  HubHarness h(2);
  std::string ch = h.owned_by(1);
  Offsets seen;
  auto pos = h.publish(0, ch).position;
  for (int i = 0; i < 4; ++i) pos = h.publish(0, ch).position;  // 5 publications
  auto rec_before = hub::HubMetrics::get().recovered.value();
  FakeHubClient a(1);
  auto s = h.subscribe(0, a, ch, hub::Position{2, pos.epoch});
  ASSERT_EQ(s.error, Error::none);
  EXPECT_TRUE(s.recovery_asked);
  EXPECT_TRUE(s.recovered);
  EXPECT_EQ(s.position, pos);
  for (auto& p : s.missed) seen.push_back(p->offset);
  EXPECT_EQ(seen, (Offsets{3, 4, 5}));
  EXPECT_TRUE(a.pushes.empty());
  h.publish(1, ch);
  EXPECT_EQ(a.offsets(), (Offsets{6}));
  EXPECT_EQ(hub::HubMetrics::get().recovered.value(), rec_before + 1);
}

TEST(HubWorkers, RecoveryGapBeyondHistoryReplaysNothing) {
  HubHarness h(2, cfg_ns({.name = "s", .history_size = 2, .anonymous = true}));
  std::string ch = h.owned_by(1, "s:c");
  hub::Position pos;
  for (int i = 0; i < 5; ++i) pos = h.publish(0, ch).position;
  auto before = hub::HubMetrics::get().not_recovered.value();
  FakeHubClient a(1);
  auto s = h.subscribe(0, a, ch, hub::Position{1, pos.epoch});
  ASSERT_EQ(s.error, Error::none);
  EXPECT_FALSE(s.recovered);
  EXPECT_TRUE(s.missed.empty());
  EXPECT_EQ(s.position, pos);
  EXPECT_EQ(hub::HubMetrics::get().not_recovered.value(), before + 1);
  FakeHubClient b(2);
  s = h.subscribe(1, b, ch, hub::Position{3, pos.epoch});
  EXPECT_TRUE(s.recovered);
  EXPECT_EQ(s.missed.size(), 2u);
}

TEST(HubWorkers, EpochChangesWhenIdleHistoryExpires) {
  HubHarness h(2, cfg_ns({.name = "t", .history_size = 10, .history_ttl = 1000ms, .anonymous = true}));
  std::string ch = h.owned_by(0, "t:c");
  hub::Position pos;
  for (int i = 0; i < 3; ++i) pos = h.publish(1, ch).position;
  h.clock.advance(500ms);
  FakeHubClient a(1);
  auto s = h.subscribe(1, a, ch, hub::Position{1, pos.epoch});
  EXPECT_TRUE(s.recovered);  // still within the TTL
  h.on(1).remove(a);
  h.run();
  h.clock.advance(2s);
  h.impl(0).sweep();
  EXPECT_EQ(h.impl(0).owned_channels(), 0u);  // state freed
  FakeHubClient b(2);
  s = h.subscribe(1, b, ch, hub::Position{3, pos.epoch});
  EXPECT_FALSE(s.recovered);
  EXPECT_TRUE(s.missed.empty());
  EXPECT_NE(s.position.epoch, pos.epoch);
  EXPECT_EQ(s.position.offset, 0u);
  EXPECT_EQ(h.publish(0, ch).position.offset, 1u);
  EXPECT_EQ(b.offsets(), (Offsets{1}));
}

TEST(HubWorkers, ExpiredHistoryWithoutSweepStillStartsNewEpoch) {
  HubHarness h(1, cfg_ns({.name = "t", .history_size = 10, .history_ttl = 1000ms, .anonymous = true}));
  auto pos = h.publish(0, "t:x").position;
  h.clock.advance(1500ms);
  auto pos2 = h.publish(0, "t:x").position;
  EXPECT_NE(pos2.epoch, pos.epoch);
  EXPECT_EQ(pos2.offset, 1u);
}

TEST(HubWorkers, LatestOnlyRecoversOnlyTheLast) {
  HubHarness h(2, cfg_ns({.name = "l", .latest_only = true, .anonymous = true}));
  std::string ch = h.owned_by(1, "l:c");
  hub::Position pos;
  for (int i = 0; i < 4; ++i) pos = h.publish(0, ch).position;
  FakeHubClient a(1), b(2);
  auto s = h.subscribe(0, a, ch, hub::Position{3, pos.epoch});
  EXPECT_TRUE(s.recovered);
  ASSERT_EQ(s.missed.size(), 1u);
  EXPECT_EQ(s.missed[0]->offset, 4u);
  s = h.subscribe(0, b, ch, hub::Position{2, pos.epoch});
  EXPECT_FALSE(s.recovered);
  EXPECT_TRUE(s.missed.empty());
  hub::HistoryResult hr;
  h.on(0).history(ch, std::nullopt, 0, [&](hub::HistoryResult r) { hr = std::move(r); });
  h.run();
  ASSERT_EQ(hr.publications.size(), 1u);
  EXPECT_EQ(hr.publications[0]->offset, 4u);
}

TEST(HubWorkers, PerUserAndAnonymousRules) {
  auto cfg = HubHarness::default_config();
  cfg.namespaces.push_back({.name = "priv", .anonymous = false});
  HubHarness h(2, cfg);
  FakeHubClient anon(1), u1(2, "u1"), u2(3, "u2");
  EXPECT_EQ(h.subscribe(0, anon, "priv:x").error, Error::permission_denied);
  EXPECT_EQ(h.subscribe(0, u1, "priv:x").error, Error::none);
  EXPECT_EQ(h.subscribe(0, u2, "news#u1").error, Error::permission_denied);
  EXPECT_EQ(h.subscribe(0, anon, "news#u1").error, Error::permission_denied);
  EXPECT_EQ(h.subscribe(1, u1, "news#u1").error, Error::none);
  EXPECT_EQ(h.subscribe(1, u1, "news#u1").error, Error::already_subscribed);
  EXPECT_EQ(h.subscribe(0, u2, "nope:x").error, Error::unknown_channel);
  EXPECT_EQ(h.subscribe(0, u2, std::string(300, 'a')).error, Error::unknown_channel);
}

TEST(HubWorkers, ClientPublishPermissionAndSize) {
  auto cfg = HubHarness::default_config();
  cfg.namespaces.push_back({.name = "pub", .client_publish = true, .anonymous = true});
  cfg.max_message = 10;
  HubHarness h(2, cfg);
  FakeHubClient a(1);
  auto pub = [&](std::string ch, std::string data) {
    hub::PublishResult out;
    out.error = Error::internal;
    h.on(0).publish({ch, data, &a}, [&](hub::PublishResult r) { out = r; });
    h.run();
    return out.error;
  };
  EXPECT_EQ(pub("x", "1"), Error::permission_denied);
  EXPECT_EQ(pub("pub:x", "1"), Error::none);
  EXPECT_EQ(pub("pub:x", "\"0123456789\""), Error::limit_exceeded);
  EXPECT_EQ(h.publish(0, "x", "\"0123456789\"").error, Error::limit_exceeded);
}

TEST(HubWorkers, PresenceCountsAndJoinLeave) {
  HubHarness h(3, cfg_ns({.name = "p", .presence = true, .join_leave = true, .anonymous = true}));
  std::string ch = h.owned_by(2, "p:c");
  FakeHubClient a(10, "ua", R"({"n":1})"), b(11, "ub"), b2(12, "ub");
  h.subscribe(0, a, ch);
  h.subscribe(1, b, ch);
  h.subscribe(1, b2, ch);
  hub::PresenceResult pr;
  h.on(0).presence(ch, [&](hub::PresenceResult r) { pr = std::move(r); });
  h.run();
  EXPECT_EQ(pr.error, Error::none);
  EXPECT_EQ(pr.num_clients, 3u);
  EXPECT_EQ(pr.num_users, 2u);
  ASSERT_EQ(pr.clients.size(), 3u);
  // a saw its own join and the two others, in order.
  ASSERT_EQ(a.pushes.size(), 3u);
  EXPECT_EQ(a.pushes[0]->kind, hub::Push::Kind::join);
  EXPECT_NE(a.pushes[0]->json.find(R"("client":"10","user":"ua","info":{"n":1})"), std::string::npos);
  EXPECT_NE(a.pushes[1]->json.find(R"("client":"11")"), std::string::npos);
  h.on(1).unsubscribe(b, ch);
  h.run();
  ASSERT_EQ(a.pushes.size(), 4u);
  EXPECT_EQ(a.pushes[3]->kind, hub::Push::Kind::leave);
  EXPECT_NE(a.pushes[3]->json.find(R"("client":"11","user":"ub")"), std::string::npos);
  h.on(2).presence(ch, [&](hub::PresenceResult r) { pr = std::move(r); });
  h.run();
  EXPECT_EQ(pr.num_clients, 2u);
  EXPECT_EQ(pr.num_users, 2u);
  h.on(1).remove(b2);
  h.run();
  h.on(2).presence(ch, [&](hub::PresenceResult r) { pr = std::move(r); });
  h.run();
  EXPECT_EQ(pr.num_clients, 1u);
  EXPECT_EQ(pr.num_users, 1u);
  // Presence off in the default namespace.
  h.on(0).presence("plain", [&](hub::PresenceResult r) { pr = std::move(r); });
  h.run();
  EXPECT_EQ(pr.error, Error::not_available);
}

TEST(HubWorkers, UnsubscribeOrRemoveBeforeTheReply) {
  HubHarness h(2);
  std::string ch = h.owned_by(1);
  FakeHubClient a(1), b(2);
  std::optional<Error> ra, rb;
  h.on(0).subscribe(a, ch, std::nullopt, [&](hub::SubscribeResult r) { ra = r.error; });
  h.on(0).subscribe(b, ch, std::nullopt, [&](hub::SubscribeResult r) { rb = r.error; });
  h.on(0).unsubscribe(a, ch);  // before the owner answered
  h.on(0).remove(b);
  h.run();
  EXPECT_EQ(ra, Error::not_subscribed);
  EXPECT_FALSE(rb.has_value());
  h.publish(1, ch);
  EXPECT_TRUE(a.pushes.empty());
  EXPECT_TRUE(b.pushes.empty());
  EXPECT_EQ(h.impl(0).local_channels(), 0u);
  hub::WorkerHub::ChannelInfo info;
  h.on(0).channels([&](std::vector<hub::WorkerHub::ChannelInfo> v) {
    ASSERT_EQ(v.size(), 1u);
    info = v[0];
  });
  h.run();
  EXPECT_EQ(info.subscribers, 0u);  // the owner's counts went back
  EXPECT_EQ(info.history, 1u);
}

TEST(HubWorkers, StateFreedWithoutSubscribersOrHistory) {
  HubHarness h(2, cfg_ns({.name = "n", .anonymous = true}));
  std::string ch = h.owned_by(1, "n:c");
  FakeHubClient a(1);
  h.subscribe(0, a, ch);
  EXPECT_EQ(h.impl(1).owned_channels(), 1u);
  EXPECT_EQ(h.impl(0).local_channels(), 1u);
  auto p1 = h.publish(0, ch).position;
  h.on(0).unsubscribe(a, ch);
  h.run();
  EXPECT_EQ(h.impl(1).owned_channels(), 0u);
  EXPECT_EQ(h.impl(0).local_channels(), 0u);
  auto p2 = h.publish(0, ch).position;  // a new stream
  EXPECT_EQ(p2.offset, 1u);
  EXPECT_NE(p2.epoch, p1.epoch);
  EXPECT_EQ(h.impl(1).owned_channels(), 0u);
}

TEST(HubWorkers, DisconnectAndUnsubscribeUserOnEveryWorker) {
  HubHarness h(3);
  FakeHubClient a(1, "u"), b(2, "u"), c(3, "v"), idle(4, "u");
  h.subscribe(0, a, "x");
  h.subscribe(2, b, "x");
  h.subscribe(2, c, "x");
  h.on(1).attach(idle);
  h.on(1).unsubscribe_user("u", "x");
  h.run();
  EXPECT_EQ(a.dropped, (std::vector<std::string>{"x"}));
  EXPECT_EQ(b.dropped, (std::vector<std::string>{"x"}));
  EXPECT_TRUE(c.dropped.empty());
  h.publish(1, "x");
  EXPECT_TRUE(a.pushes.empty());
  EXPECT_EQ(c.pushes.size(), 1u);
  b.on_disconnect = [&] { h.on(2).remove(b); };
  h.on(0).disconnect_user("u", hub::close_code::disconnected, "bye");
  h.run();
  EXPECT_EQ(a.disconnects, (std::vector<std::uint16_t>{4005}));
  EXPECT_EQ(b.disconnects, (std::vector<std::uint16_t>{4005}));
  EXPECT_EQ(idle.disconnects, (std::vector<std::uint16_t>{4005}));
  EXPECT_TRUE(c.disconnects.empty());
  h.on(1).disconnect_user("u", 4005, "again");
  h.run();
  EXPECT_EQ(b.disconnects.size(), 1u);  // removed: not called again
}

TEST(HubWorkers, RemovalsDuringDeliveryAreSafe) {
  HubHarness h(1);
  struct Killer final : hub::Client {
    Killer(hub::ClientId id, hub::WorkerHub& w) : Client(id, "", ""), w(w) {}
    void push(const hub::PushPtr&, bool) override {
      ++got;
      for (auto* v : victims) w.remove(*v);
      victims.clear();
    }
    void disconnect(std::uint16_t, std::string_view) override {}
    hub::WorkerHub& w;
    std::vector<hub::Client*> victims;
    int got = 0;
  };
  std::vector<std::unique_ptr<Killer>> ks;
  for (int i = 0; i < 6; ++i) ks.push_back(std::make_unique<Killer>(i + 1, h.on(0)));
  for (auto& k : ks) h.subscribe(0, *k, "x");
  for (auto& k : ks) k->victims = {ks[0].get(), ks[5].get(), k.get()};
  h.publish(0, "x");
  int total = 0;
  for (auto& k : ks) total += k->got;
  EXPECT_GE(total, 1);
  EXPECT_LE(total, 6);
  h.publish(0, "x");
  int total2 = 0;
  for (auto& k : ks) total2 += k->got;
  EXPECT_EQ(total2, total);  // everyone removed by then
  EXPECT_EQ(h.impl(0).local_channels(), 0u);
}

TEST(HubWorkers, ChannelsListGathersOwners) {
  HubHarness h(3);
  FakeHubClient a(1);
  h.subscribe(0, a, h.owned_by(2));
  h.publish(1, h.owned_by(0));
  h.publish(1, h.owned_by(1));
  h.publish(1, h.owned_by(1));
  std::vector<hub::WorkerHub::ChannelInfo> got;
  h.on(1).channels([&](std::vector<hub::WorkerHub::ChannelInfo> v) { got = std::move(v); });
  h.run();
  ASSERT_EQ(got.size(), 3u);
  std::uint64_t subs = 0;
  for (auto& c : got) subs += c.subscribers;
  EXPECT_EQ(subs, 1u);
}

TEST(HubWorkers, ApplySwapsOptionsForNewSubscriptions) {
  HubHarness h(2);
  FakeHubClient a(1), b(2);
  EXPECT_EQ(h.subscribe(0, a, "later:x").error, Error::unknown_channel);
  auto cfg = HubHarness::default_config();
  cfg.namespaces.push_back({.name = "later", .anonymous = true,
                            .slow_consumer = config::SlowConsumer::skip_to_latest});
  h.hub->apply(std::make_shared<const config::HubConfig>(cfg));
  h.run();
  EXPECT_EQ(h.subscribe(0, a, "later:x").error, Error::none);
  EXPECT_EQ(h.subscribe(1, b, "x").error, Error::none);
  h.publish(1, "later:x");
  ASSERT_EQ(a.pushes.size(), 1u);
  EXPECT_TRUE(a.last_skip);
  EXPECT_TRUE(a.pushes[0]->skip_to_latest);
  EXPECT_EQ(&h.on(0).config(), &h.on(0).config());
  EXPECT_EQ(h.on(0).config().namespaces.size(), 2u);
}

TEST(HubWorkers, ClientIdsUniqueAcrossWorkers) {
  HubHarness h(3);
  std::set<hub::ClientId> ids;
  for (int i = 0; i < 100; ++i)
    for (unsigned w = 0; w < 3; ++w) ids.insert(h.on(w).next_client_id());
  EXPECT_EQ(ids.size(), 300u);
  EXPECT_EQ(ids.count(0), 0u);
}

TEST(HubWorkers, BatchedPostsOnePerTurnPerTarget) {
  HubHarness h(2);
  std::string ch = h.owned_by(1);
  std::vector<std::unique_ptr<FakeHubClient>> cs;
  for (int i = 0; i < 50; ++i) cs.push_back(std::make_unique<FakeHubClient>(i + 1));
  for (auto& c : cs) h.subscribe(0, *c, ch);
  // 200 publications from worker 1 in one turn: one post carries them to 0.
  int replies = 0;
  for (int i = 0; i < 200; ++i)
    h.on(1).publish({ch, "1", nullptr}, [&](hub::PublishResult) { ++replies; });
  EXPECT_EQ(replies, 200);  // owner is local: answered inline
  std::size_t handlers = h.run();
  EXPECT_LE(handlers, 4u);  // flush on 1, batch on 0 (not 200 posts)
  for (auto& c : cs) EXPECT_EQ(c->offsets().size(), 200u);
}

TEST(HubWorkers, ReplyOrderedAfterPublicationsAlreadyInFlight) {
  HubHarness h(2);
  std::string ch = h.owned_by(1);
  FakeHubClient a(1), c(2);
  h.subscribe(0, a, ch);  // worker 0 has interest: deliveries flow to it
  std::optional<hub::SubscribeResult> res;
  h.on(0).subscribe(c, ch, std::nullopt, [&](hub::SubscribeResult r) { res = std::move(r); });
  h.ios[0]->poll();  // worker 0 flushes the subscribe to the owner
  h.ios[0]->restart();
  for (int i = 0; i < 3; ++i) h.on(1).publish({ch, "1", nullptr}, [](hub::PublishResult) {});
  h.run();  // owner: 3 deliveries queued, then the subscribe, then one flush
  ASSERT_TRUE(res.has_value());
  EXPECT_EQ(res->position.offset, 3u);
  EXPECT_EQ(a.offsets(), (Offsets{1, 2, 3}));
  EXPECT_TRUE(c.pushes.empty());  // 1..3 are before its position: not delivered
  h.publish(1, ch);
  EXPECT_EQ(c.offsets(), (Offsets{4}));
}
