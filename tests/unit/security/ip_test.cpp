#include "security/ip.hpp"

#include <gtest/gtest.h>

namespace strata::security {

TEST(SecurityIp, ParsesAndNormalizesMappedV4) {
  auto a = parse_ip("::ffff:10.1.2.3");
  ASSERT_TRUE(a);
  EXPECT_FALSE(a->v6);
  EXPECT_EQ(to_string(*a), "10.1.2.3");
  EXPECT_FALSE(parse_ip("10.1.2"));
  EXPECT_FALSE(parse_ip("[::1]"));
  EXPECT_TRUE(parse_ip("::1")->v6);
}

TEST(SecurityIp, PrefixKeys) {
  EXPECT_EQ(prefix_key(*parse_ip("10.1.2.3"), 24, 64), "10.1.2.0/24");
  EXPECT_EQ(prefix_key(*parse_ip("10.1.2.3"), 20, 64), "10.1.0.0/20");
  EXPECT_EQ(prefix_key(*parse_ip("2001:db8:1:2:aa::1"), 24, 64), "2001:db8:1:2::/64");
  EXPECT_EQ(prefix_key(*parse_ip("2001:db8:1:2:aa::1"), 24, 56), "2001:db8:1::/56");
  EXPECT_EQ(prefix_key(*parse_ip("10.1.2.3"), 40, 200), "10.1.2.3/32");
}

TEST(SecurityIp, Cidrs) {
  EXPECT_FALSE(parse_cidr("10.0.0.1/8"));  // host bits
  EXPECT_FALSE(parse_cidr("10.0.0.0/33"));
  EXPECT_FALSE(parse_cidr("10.0.0.0/"));
  EXPECT_EQ(to_string(*parse_cidr("10.0.0.1")), "10.0.0.1/32");
  CidrSet set({"10.0.0.0/8", "2001:db8::/32"});
  EXPECT_TRUE(set.contains("10.200.1.1"));
  EXPECT_TRUE(set.contains("::ffff:10.200.1.1"));
  EXPECT_FALSE(set.contains("11.0.0.1"));
  EXPECT_TRUE(set.contains("2001:db8:ffff::1"));
  EXPECT_FALSE(set.contains("2001:db9::1"));
  EXPECT_FALSE(set.contains("garbage"));
  EXPECT_TRUE(parse_cidr("0.0.0.0/0")->contains(*parse_ip("1.2.3.4")));
}

}  // namespace strata::security
