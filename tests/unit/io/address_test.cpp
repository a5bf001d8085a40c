#include <gtest/gtest.h>

#include <unistd.h>

#include "io/address.hpp"

using namespace strata::io;

namespace {
// The listen-address rules of the one parser (core/host_port.hpp).
std::optional<HostPort> parse_host_port(std::string_view s) {
  return strata::core::parse_host_port(s, true, nullptr, true);
}
}  // namespace

TEST(Address, ParsesHostPortForms) {
  auto a = parse_host_port("127.0.0.1:8080");
  ASSERT_TRUE(a);
  EXPECT_EQ(a->host, "127.0.0.1");
  EXPECT_EQ(a->port, 8080);
  auto b = parse_host_port("[::1]:443");
  ASSERT_TRUE(b);
  EXPECT_EQ(b->host, "::1");
  auto c = parse_host_port(":0");
  ASSERT_TRUE(c);
  EXPECT_EQ(c->host, "");
  EXPECT_FALSE(parse_host_port("::1:80"));
  EXPECT_FALSE(parse_host_port("host"));
  EXPECT_FALSE(parse_host_port("host:99999"));
  EXPECT_FALSE(parse_host_port("host:8x"));
  EXPECT_FALSE(parse_host_port("[::1]80"));
}

TEST(Address, ReuseportSocketsShareTheResolvedPort) {
  boost::asio::ip::tcp::endpoint bound;
  auto ep = resolve_listen(*parse_host_port("127.0.0.1:0"));
  auto fds = open_reuseport_listeners(ep, 3, 16, &bound);
  ASSERT_EQ(fds.size(), 3u);
  EXPECT_NE(bound.port(), 0);
  for (int fd : fds) {
    sockaddr_storage ss{};
    socklen_t len = sizeof ss;
    ASSERT_EQ(::getsockname(fd, reinterpret_cast<sockaddr*>(&ss), &len), 0);
    EXPECT_EQ(ntohs(reinterpret_cast<sockaddr_in*>(&ss)->sin_port), bound.port());
    ::close(fd);
  }
}

TEST(Address, DualStackAnyAcceptsV4) {
  boost::asio::ip::tcp::endpoint bound;
  auto ep = resolve_listen(*parse_host_port("[::]:0"));
  auto fds = open_reuseport_listeners(ep, 1, 16, &bound);
  boost::asio::io_context io;
  boost::asio::ip::tcp::socket s(io);
  s.connect({boost::asio::ip::make_address("127.0.0.1"), bound.port()});
  EXPECT_TRUE(s.is_open());
  EXPECT_EQ(to_string(bound).rfind("[::]:", 0), 0u);
  ::close(fds[0]);
}
