#include "config/address.hpp"

#include <gtest/gtest.h>

using strata::config::HostPort;
using strata::config::parse_host_port;

TEST(ConfigAddress, ParsesForms) {
  auto a = parse_host_port("127.0.0.1:8080", false);
  ASSERT_TRUE(a);
  EXPECT_EQ(a->host, "127.0.0.1");
  EXPECT_EQ(a->port, 8080);
  EXPECT_EQ(a->kind, HostPort::Kind::ipv4);
  auto b = parse_host_port("[::1]:443", false);
  ASSERT_TRUE(b);
  EXPECT_EQ(b->host, "::1");
  EXPECT_EQ(b->kind, HostPort::Kind::ipv6);
  EXPECT_EQ(b->to_string(), "[::1]:443");
  auto c = parse_host_port("Backend.Example.com:9000", false);
  ASSERT_TRUE(c);
  EXPECT_EQ(c->host, "backend.example.com");
  EXPECT_EQ(c->kind, HostPort::Kind::name);
  EXPECT_TRUE(parse_host_port("[::]:0", true));
}

TEST(ConfigAddress, Rejects) {
  std::string err;
  EXPECT_FALSE(parse_host_port("[::]:0", false, &err));
  EXPECT_FALSE(parse_host_port("::1:80", false, &err));
  EXPECT_NE(err.find("brackets"), std::string::npos);
  EXPECT_FALSE(parse_host_port("[::1]80", false, &err));
  EXPECT_FALSE(parse_host_port("[zz::1]:80", false, &err));
  EXPECT_FALSE(parse_host_port("host", false, &err));
  EXPECT_FALSE(parse_host_port(":80", false, &err));
  EXPECT_FALSE(parse_host_port("h:65536", false, &err));
  EXPECT_FALSE(parse_host_port("h:-1", false, &err));
  EXPECT_FALSE(parse_host_port("bad_host:80", false, &err));
  EXPECT_FALSE(parse_host_port("-a.b:80", false, &err));
  EXPECT_FALSE(parse_host_port("", false));
}
