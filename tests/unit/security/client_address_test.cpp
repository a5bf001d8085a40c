#include "security/client_address.hpp"

#include <gtest/gtest.h>

namespace strata::security {

ClientAddressResolver resolver(std::vector<std::string> trusted, std::string header = "x-forwarded-for") {
  config::ClientAddress c;
  c.trusted_proxies = std::move(trusted);
  c.real_ip_header = std::move(header);
  return ClientAddressResolver(c);
}

http::Headers xff(std::string_view v, std::string_view name = "x-forwarded-for") {
  http::Headers h;
  h.add(name, v);
  return h;
}

TEST(SecurityClientAddress, NoTrustedProxiesNeverReadsHeaders) {
  auto r = resolver({});
  EXPECT_EQ(r.from_headers("10.0.0.1", xff("203.0.113.9")), std::nullopt);
}

TEST(SecurityClientAddress, UntrustedPeerIsTheClient) {
  auto r = resolver({"10.0.0.0/8"});
  EXPECT_EQ(r.from_headers("192.0.2.1", xff("203.0.113.9")), std::nullopt);
}

TEST(SecurityClientAddress, RightmostUntrustedHop) {
  auto r = resolver({"10.0.0.0/8", "2001:db8:ffff::/48"});
  EXPECT_EQ(r.from_headers("10.0.0.1", xff("198.51.100.1, 203.0.113.9, 10.2.3.4")), "203.0.113.9");
  // Several fields are one list.
  http::Headers h;
  h.add("x-forwarded-for", "198.51.100.1");
  h.add("X-Forwarded-For", "203.0.113.9");
  EXPECT_EQ(r.from_headers("10.0.0.1", h), "203.0.113.9");
  // Mapped IPv4 and ports.
  EXPECT_EQ(r.from_headers("::ffff:10.0.0.1", xff("::ffff:203.0.113.9")), "203.0.113.9");
  EXPECT_EQ(r.from_headers("10.0.0.1", xff("203.0.113.9:5555")), "203.0.113.9");
  EXPECT_EQ(r.from_headers("2001:db8:ffff::1", xff("[2001:db8::5]:80")), "2001:db8::5");
}

TEST(SecurityClientAddress, AllTrustedGivesTheLeftmost) {
  auto r = resolver({"10.0.0.0/8"});
  EXPECT_EQ(r.from_headers("10.0.0.1", xff("10.9.9.9, 10.2.3.4")), "10.9.9.9");
}

TEST(SecurityClientAddress, GarbageStopsAtTheLastTrusted) {
  auto r = resolver({"10.0.0.0/8"});
  EXPECT_EQ(r.from_headers("10.0.0.1", xff("203.0.113.9, unknown, 10.2.3.4")), "10.2.3.4");
  EXPECT_EQ(r.from_headers("10.0.0.1", xff("203.0.113.9, nonsense")), std::nullopt);
  EXPECT_EQ(r.from_headers("10.0.0.1", xff("")), std::nullopt);
  EXPECT_EQ(r.from_headers("10.0.0.1", http::Headers{}), std::nullopt);
}

TEST(SecurityClientAddress, Forwarded) {
  auto r = resolver({"10.0.0.0/8"}, "forwarded");
  auto h = xff("for=192.0.2.60;proto=http;by=203.0.113.43, For=\"[2001:db8:cafe::17]:4711\", for=10.1.1.1",
               "forwarded");
  EXPECT_EQ(r.from_headers("10.0.0.1", h), "2001:db8:cafe::17");
  // X-Forwarded-For is not read in this mode.
  EXPECT_EQ(r.from_headers("10.0.0.1", xff("203.0.113.9")), std::nullopt);
  EXPECT_EQ(r.from_headers("10.0.0.1", xff("for=_hidden, for=10.2.2.2", "forwarded")), "10.2.2.2");
}

TEST(SecurityClientAddress, ForwardedHops) {
  auto hops = forwarded_for_hops("for=\"a,b\";proto=https, by=x, for=1.2.3.4:80");
  ASSERT_EQ(hops.size(), 3u);
  EXPECT_EQ(hops[0], "a,b");
  EXPECT_EQ(hops[1], "");
  EXPECT_EQ(hops[2], "1.2.3.4");
  auto x = xff_hops(" 1.2.3.4 ,[::1]:9,::1");
  ASSERT_EQ(x.size(), 3u);
  EXPECT_EQ(x[0], "1.2.3.4");
  EXPECT_EQ(x[1], "::1");
  EXPECT_EQ(x[2], "::1");
}

}  // namespace strata::security
