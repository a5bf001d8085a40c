// The pub/sub payload codec and the Redis names (hub/broker/payload.hpp, names.hpp).
#include <gtest/gtest.h>

#include "hub/broker/names.hpp"
#include "hub/broker/payload.hpp"
#include "hub/push_build.hpp"

namespace strata::hub::broker {
namespace {

TEST(BrokerPayload, PublicationRoundTripIsBinarySafe) {
  std::string data("{\"a\":\"x:y\"}\0\n:p9:", 17);
  std::string s = encode_publication(Pub{42, "Ab9", 1700000000000123, data});
  EXPECT_EQ(s.substr(0, 26), "p42:Ab9:1700000000000123:{");
  Message m;
  ASSERT_TRUE(decode(s, m));
  EXPECT_EQ(m.kind, Message::Kind::publication);
  EXPECT_EQ(m.pub.offset, 42u);
  EXPECT_EQ(m.pub.epoch, "Ab9");
  EXPECT_EQ(m.pub.published_us, 1700000000000123);
  EXPECT_EQ(m.pub.data, data);
}

TEST(BrokerPayload, JoinLeaveRoundTrip) {
  Message m;
  ASSERT_TRUE(decode(encode_join(77, "u:1", "{\"n\":2}"), m));
  EXPECT_EQ(m.kind, Message::Kind::join);
  EXPECT_EQ(m.client, 77u);
  EXPECT_EQ(m.user, "u:1");
  EXPECT_EQ(m.info, "{\"n\":2}");
  ASSERT_TRUE(decode(encode_leave(78, ""), m));
  EXPECT_EQ(m.kind, Message::Kind::leave);
  EXPECT_EQ(m.client, 78u);
  EXPECT_EQ(m.user, "");
}

TEST(BrokerPayload, MalformedIsRefused) {
  Message m;
  for (std::string bad : {"", "x", "p", "p:", "p0:E:1:d", "p1::1:d", "p1:E:", "p1:E:x:d", "pa:E:1:d",
                          "p99999999999999999999999:E:1:", "j1:", "j1:5:ab", "jx:1:a", "l1:1:ab"})
    EXPECT_FALSE(decode(bad, m)) << bad;
  std::string u, i;
  EXPECT_FALSE(decode_member("9:ab", u, i));
  ASSERT_TRUE(decode_member(encode_member("bob", "{}"), u, i));
  EXPECT_EQ(u, "bob");
  EXPECT_EQ(i, "{}");
}

TEST(BrokerNames, KeysShareOneHashTagPerChannel) {
  Names n("strata", 128, false);
  auto k = n.keys("chat:a#1");
  unsigned p = n.partition("chat:a#1");
  EXPECT_LT(p, 128u);
  std::string tag = "{" + std::to_string(p) + "}";
  EXPECT_EQ(k.route, tag);
  EXPECT_EQ(k.stream, "strata" + tag + "s:chat:a#1");
  EXPECT_EQ(k.meta, "strata" + tag + "m:chat:a#1");
  EXPECT_EQ(k.presence, "strata" + tag + "p:chat:a#1");
  EXPECT_EQ(k.presence_expiry, "strata" + tag + "pz:chat:a#1");
  EXPECT_EQ(k.presence_users, "strata" + tag + "pu:chat:a#1");
  EXPECT_EQ(k.pubsub, "strata" + tag + "c:chat:a#1");
  EXPECT_EQ(n.channel_of(k.pubsub), "chat:a#1");
  EXPECT_EQ(n.channel_of("other{1}c:x"), "");
  EXPECT_EQ(n.channel_of("strata{1}s:x"), "");
  // Stable and spread: many channels use many partitions.
  std::vector<int> used(128);
  for (int i = 0; i < 4000; ++i) used[n.partition("c" + std::to_string(i))]++;
  EXPECT_EQ(std::count(used.begin(), used.end(), 0), 0);
  EXPECT_EQ(n.partition("chat:a#1"), Names("x", 128, false).partition("chat:a#1"));
}

TEST(BrokerPush, ResyncPushFormats) {
  auto p = make_resync("chat:a", 9, "e1");
  EXPECT_EQ(p->kind, Push::Kind::resync);
  EXPECT_EQ(p->offset, 9u);
  EXPECT_EQ(p->json, R"({"push":{"channel":"chat:a","subscribe":{"offset":9,"epoch":"e1","recovered":false}}})");
  EXPECT_EQ(p->sse_event,
            "id: e1:9\nevent: subscribe\ndata: "
            "{\"channel\":\"chat:a\",\"offset\":9,\"epoch\":\"e1\",\"recovered\":false}\n\n");
  EXPECT_FALSE(p->ws_frame.empty());
  EXPECT_EQ(publication_data(*p), "");
}

}  // namespace
}  // namespace strata::hub::broker
