#include <gtest/gtest.h>

#include "hub/presence.hpp"

using namespace strata;

TEST(HubPresence, IncrementalCounts) {
  hub::Presence p;
  EXPECT_TRUE(p.join(1, "u1", R"({"a":1})"));
  EXPECT_TRUE(p.join(2, "u1", ""));
  EXPECT_TRUE(p.join(3, "u2", ""));
  EXPECT_FALSE(p.join(3, "u2", ""));
  EXPECT_EQ(p.clients(), 3u);
  EXPECT_EQ(p.users(), 2u);
  EXPECT_TRUE(p.leave(1));
  EXPECT_FALSE(p.leave(1));
  EXPECT_EQ(p.clients(), 2u);
  EXPECT_EQ(p.users(), 2u);
  EXPECT_TRUE(p.leave(2));
  EXPECT_EQ(p.users(), 1u);
  auto snap = p.snapshot();
  ASSERT_EQ(snap.clients.size(), 1u);
  EXPECT_EQ(snap.clients[0].client, 3u);
  EXPECT_EQ(snap.clients[0].user, "u2");
  EXPECT_EQ(snap.num_clients, 1u);
  EXPECT_EQ(snap.num_users, 1u);
}

TEST(HubPresence, InfoKept) {
  hub::Presence p;
  p.join(7, "", R"({"x":true})");
  auto snap = p.snapshot();
  ASSERT_EQ(snap.clients.size(), 1u);
  EXPECT_EQ(snap.clients[0].info, R"({"x":true})");
  EXPECT_EQ(snap.num_users, 1u);  // the anonymous user counts once
}
