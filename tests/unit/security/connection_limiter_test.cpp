#include "security/connection_limiter.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>
#include <vector>

#include "security/ip_access.hpp"

namespace strata::security {

using V = ConnectionLimiter::Verdict;

config::ConnectionLimit limit(std::uint32_t max, std::uint32_t tracked = 100) {
  config::ConnectionLimit c;
  c.max_per_prefix = max;
  c.max_tracked = tracked;
  return c;
}

TEST(SecurityConnectionLimiter, CountsPerPrefixAndReleases) {
  auto l = std::make_shared<ConnectionLimiter>("t1");
  const auto cfg = limit(2);
  ConnectionLimiter::Ticket a, b, c, d;
  EXPECT_EQ(l->acquire(*parse_ip("10.1.2.3"), cfg, a), V::admitted);
  EXPECT_EQ(l->acquire(*parse_ip("10.1.2.200"), cfg, b), V::admitted);
  EXPECT_EQ(l->acquire(*parse_ip("10.1.2.9"), cfg, c), V::refused);  // same /24
  EXPECT_EQ(l->acquire(*parse_ip("10.1.3.9"), cfg, d), V::admitted);  // another /24
  EXPECT_EQ(l->tracked(), 2u);
  EXPECT_EQ(l->open(*parse_ip("10.1.2.0")), 2u);
  a = ConnectionLimiter::Ticket();  // releases
  EXPECT_EQ(l->open(*parse_ip("10.1.2.0")), 1u);
  EXPECT_EQ(l->acquire(*parse_ip("10.1.2.9"), cfg, c), V::admitted);
  b = {};
  c = {};
  d = {};
  EXPECT_EQ(l->tracked(), 0u);  // idle prefixes are forgotten
}

TEST(SecurityConnectionLimiter, Ipv6SlashSixtyFour) {
  auto l = std::make_shared<ConnectionLimiter>("t2");
  const auto cfg = limit(1);
  ConnectionLimiter::Ticket a, b, c;
  EXPECT_EQ(l->acquire(*parse_ip("2001:db8:1:1::1"), cfg, a), V::admitted);
  EXPECT_EQ(l->acquire(*parse_ip("2001:db8:1:1:ffff::2"), cfg, b), V::refused);
  EXPECT_EQ(l->acquire(*parse_ip("2001:db8:1:2::1"), cfg, c), V::admitted);
}

TEST(SecurityConnectionLimiter, OffAndFullTable) {
  auto l = std::make_shared<ConnectionLimiter>("t3");
  ConnectionLimiter::Ticket a, b, c;
  EXPECT_EQ(l->acquire(*parse_ip("10.0.0.1"), limit(0), a), V::admitted);
  EXPECT_EQ(l->tracked(), 0u);
  const auto cfg = limit(1, 1);
  EXPECT_EQ(l->acquire(*parse_ip("10.0.0.1"), cfg, a), V::admitted);
  EXPECT_EQ(l->acquire(*parse_ip("10.0.1.1"), cfg, b), V::untracked);  // full: admitted, uncounted
  EXPECT_EQ(l->acquire(*parse_ip("10.0.0.2"), cfg, c), V::refused);    // a tracked prefix still holds
  EXPECT_EQ(l->tracked(), 1u);
}

TEST(SecurityConnectionLimiter, ThreadsShareOneCount) {
  auto l = std::make_shared<ConnectionLimiter>("t4");
  const auto cfg = limit(50);
  std::vector<std::thread> ts;
  std::atomic<int> admitted{0};
  std::vector<std::vector<ConnectionLimiter::Ticket>> held(4);
  for (int t = 0; t < 4; ++t)
    ts.emplace_back([&, t] {
      for (int i = 0; i < 100; ++i) {
        ConnectionLimiter::Ticket k;
        if (l->acquire(*parse_ip("10.9.9." + std::to_string(i)), cfg, k) == V::admitted) {
          ++admitted;
          held[t].push_back(std::move(k));
        }
      }
    });
  for (auto& t : ts) t.join();
  EXPECT_EQ(admitted.load(), 50);
  held.clear();
  EXPECT_EQ(l->tracked(), 0u);
}

TEST(SecurityIpAccess, AllowAndDeny) {
  config::IpAccess a;
  a.allow = {"10.0.0.0/8", "2001:db8::/32"};
  a.deny = {"10.6.6.0/24"};
  IpAccessList l(a);
  EXPECT_TRUE(l.allowed("10.1.1.1"));
  EXPECT_TRUE(l.allowed("::ffff:10.1.1.1"));
  EXPECT_FALSE(l.allowed("10.6.6.6"));
  EXPECT_FALSE(l.allowed("192.0.2.1"));
  EXPECT_TRUE(l.allowed("2001:db8::1"));
  EXPECT_FALSE(l.allowed("garbage"));
  config::IpAccess d;
  d.deny = {"192.0.2.0/24"};
  IpAccessList only_deny(d);
  EXPECT_TRUE(only_deny.allowed("10.1.1.1"));
  EXPECT_FALSE(only_deny.allowed("192.0.2.77"));
  EXPECT_TRUE(IpAccessList().allowed("anything"));
}

}  // namespace strata::security
