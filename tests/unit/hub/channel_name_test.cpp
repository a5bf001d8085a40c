#include <gtest/gtest.h>

#include "config/hub.hpp"
#include "hub/channel_name.hpp"

using namespace strata;
using hub::Error;

namespace {
config::HubConfig cfg_with(std::initializer_list<const char*> names) {
  config::HubConfig c;
  for (auto* n : names) c.namespaces.push_back(config::HubNamespace{.name = n});
  return c;
}
}  // namespace

TEST(HubChannelName, NamespacesAndDefault) {
  auto cfg = cfg_with({"", "chat"});
  hub::ChannelName n;
  const config::HubNamespace* ns = nullptr;
  EXPECT_EQ(hub::parse_channel("news", cfg, n, &ns), Error::none);
  EXPECT_EQ(n.ns, "");
  EXPECT_EQ(ns, &cfg.namespaces[0]);
  EXPECT_EQ(hub::parse_channel("chat:room", cfg, n, &ns), Error::none);
  EXPECT_EQ(n.ns, "chat");
  EXPECT_EQ(ns, &cfg.namespaces[1]);
  EXPECT_EQ(hub::parse_channel("nope:room", cfg, n, &ns), Error::unknown_channel);
  EXPECT_EQ(hub::parse_channel(":room", cfg, n, &ns), Error::unknown_channel);
}

TEST(HubChannelName, LimitsAndCharset) {
  auto cfg = cfg_with({""});
  cfg.max_channel_length = 8;
  hub::ChannelName n;
  EXPECT_EQ(hub::parse_channel("12345678", cfg, n), Error::none);
  EXPECT_EQ(hub::parse_channel("123456789", cfg, n), Error::unknown_channel);
  EXPECT_EQ(hub::parse_channel("", cfg, n), Error::unknown_channel);
  EXPECT_EQ(hub::parse_channel("a b", cfg, n), Error::unknown_channel);
  EXPECT_EQ(hub::parse_channel("a\"b", cfg, n), Error::unknown_channel);
  EXPECT_EQ(hub::parse_channel("a\\b", cfg, n), Error::unknown_channel);
  EXPECT_EQ(hub::parse_channel("a\nb", cfg, n), Error::unknown_channel);
  EXPECT_EQ(hub::parse_channel("a\xc3\xa9", cfg, n), Error::unknown_channel);
}

TEST(HubChannelName, PerUserChannels) {
  auto cfg = cfg_with({"", "n"});
  hub::ChannelName n;
  ASSERT_EQ(hub::parse_channel("news#42", cfg, n), Error::none);
  EXPECT_TRUE(n.per_user());
  EXPECT_TRUE(n.allows("42"));
  EXPECT_FALSE(n.allows("4"));
  EXPECT_FALSE(n.allows(""));
  ASSERT_EQ(hub::parse_channel("n:a#b#u1,u2", cfg, n), Error::none);
  EXPECT_EQ(n.users, "u1,u2");
  EXPECT_TRUE(n.allows("u1"));
  EXPECT_TRUE(n.allows("u2"));
  EXPECT_FALSE(n.allows("u3"));
  EXPECT_FALSE(n.allows("u1,u2"));
  EXPECT_EQ(hub::parse_channel("news#", cfg, n), Error::unknown_channel);
  ASSERT_EQ(hub::parse_channel("plain", cfg, n), Error::none);
  EXPECT_TRUE(n.allows(""));
}

TEST(HubChannelName, DefaultNamespaceWithoutConfigEntry) {
  config::HubConfig cfg;  // no namespaces at all
  hub::ChannelName n;
  const config::HubNamespace* ns = nullptr;
  EXPECT_EQ(hub::parse_channel("x", cfg, n, &ns), Error::none);
  ASSERT_NE(ns, nullptr);
  EXPECT_EQ(ns->history_size, 0u);
}
