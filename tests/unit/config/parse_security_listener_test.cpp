// A listener's `security:` and allow/deny lists (config/parse_security_listener.cpp),
// the route `security.access`, the cluster `proxy_protocol`.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "config/loader.hpp"
#include "config_error.hpp"

namespace strata::config {
namespace {

using namespace std::chrono_literals;

std::string with(const std::string& listener_security, const std::string& route_security = "",
                 const std::string& cluster = "") {
  std::string y = "route_tables:\n  t:\n    - respond: {}\n";
  if (!route_security.empty()) y += "      security:\n" + route_security;
  y += "listeners:\n  - name: web\n    address: 127.0.0.1:0\n    routes: t\n";
  if (!listener_security.empty()) y += "    security:\n" + listener_security;
  if (!cluster.empty()) y += "clusters:\n  c:\n    endpoints: [{address: '127.0.0.1:1'}]\n" + cluster;
  return y;
}

std::string error_of(const std::string& yaml) { return strata::config_test::config_error(yaml); }

TEST(ConfigListenerSecurity, DefaultsWhenAbsent) {
  auto c = load_string(with(""), "t.yaml");
  EXPECT_EQ(c->listeners[0].security, ListenerSecurity{});
  EXPECT_EQ(c->listeners[0].security.client.proxy_protocol, "off");
  EXPECT_EQ(c->listeners[0].security.connections.max_per_prefix, 0u);
  auto j = nlohmann::json::parse(to_json(*c));
  EXPECT_FALSE(j["listeners"][0].contains("security"));  // dumps without it stay as they were
}

TEST(ConfigListenerSecurity, ParsesEverything) {
  auto c = load_string(with("      client:\n"
                            "        proxy_protocol: v2\n"
                            "        proxy_protocol_timeout: 300ms\n"
                            "        trusted_proxies: [10.0.0.0/8, '2001:db8::1', '::ffff:192.0.2.1']\n"
                            "        real_ip_header: forwarded\n"
                            "      access:\n"
                            "        allow: [127.0.0.0/8, '::1']\n"
                            "        deny: 127.0.0.66\n"
                            "      connections:\n"
                            "        max_per_prefix: 20\n"
                            "        ipv4_prefix: 16\n"
                            "        ipv6_prefix: 56\n"
                            "        max_tracked: 1000\n"),
                       "t.yaml");
  const auto& s = c->listeners[0].security;
  EXPECT_EQ(s.client.proxy_protocol, "v2");
  EXPECT_EQ(s.client.proxy_protocol_timeout, 300ms);
  EXPECT_EQ(s.client.trusted_proxies,
            (std::vector<std::string>{"10.0.0.0/8", "2001:db8::1/128", "192.0.2.1/32"}));
  EXPECT_EQ(s.client.real_ip_header, "forwarded");
  EXPECT_EQ(s.access.allow, (std::vector<std::string>{"127.0.0.0/8", "::1/128"}));
  EXPECT_EQ(s.access.deny, (std::vector<std::string>{"127.0.0.66/32"}));
  EXPECT_EQ(s.connections.max_per_prefix, 20u);
  EXPECT_EQ(s.connections.ipv4_prefix, 16u);
  EXPECT_EQ(s.connections.ipv6_prefix, 56u);
  EXPECT_EQ(s.connections.max_tracked, 1000u);
  // /config round-trips.
  const auto j1 = to_json(*c);
  auto c2 = load_string(j1, "t.json");
  EXPECT_EQ(c2->listeners[0].security, s);
  EXPECT_EQ(to_json(*c2), j1);
}

TEST(ConfigListenerSecurity, RouteAccessAndClusterProxyProtocol) {
  auto c = load_string(with("", "        access: {deny: ['192.0.2.0/24']}\n",
                            "    proxy_protocol: v1\n"),
                       "t.yaml");
  const auto& r = c->route_tables.at("t")[0];
  EXPECT_EQ(r.security.access.deny, (std::vector<std::string>{"192.0.2.0/24"}));
  EXPECT_EQ(c->clusters.at("c").proxy_protocol, "v1");
  const auto j1 = to_json(*c);
  auto c2 = load_string(j1, "t.json");
  EXPECT_EQ(c2->route_tables.at("t")[0].security.access, r.security.access);
  EXPECT_EQ(c2->clusters.at("c").proxy_protocol, "v1");
}

TEST(ConfigListenerSecurity, Errors) {
  EXPECT_EQ(error_of(with("      client: {proxy_protocol: v3}\n")),
            "t.yaml:9:32: proxy_protocol: unknown value 'v3' (expected one of: off, v1, v2, any)");
  EXPECT_EQ(error_of(with("      access: {allow: ['10.0.0.1/8']}\n")),
            "t.yaml:9:24: allow: '10.0.0.1/8' is not a CIDR (e.g. 10.0.0.0/8, 2001:db8::/32 or a "
            "bare address; no host bits below the prefix length)");
  EXPECT_NE(error_of(with("      access: {deny: [nonsense]}\n")).find("t.yaml:9:23: deny: 'nonsense' is not a CIDR"),
            std::string::npos);
  EXPECT_NE(error_of(with("      client: {trusted_proxies: ['10.0.0.0/33']}\n"))
                .find("t.yaml:9:34: trusted_proxies: '10.0.0.0/33' is not a CIDR"),
            std::string::npos);
  EXPECT_EQ(error_of(with("      access: {allow: []}\n")),
            "t.yaml:9:23: allow: an empty list would refuse everyone (omit the key)");
  EXPECT_NE(error_of(with("      connections: {ipv4_prefix: 33}\n")).find("t.yaml:9:34: ipv4_prefix: 33 is out of range [1, 32]"),
            std::string::npos);
  EXPECT_NE(error_of(with("      bogus: 1\n")).find("t.yaml:9:7: unknown key 'bogus' in listener security"),
            std::string::npos);
  EXPECT_NE(error_of(with("      client: {real_ip_header: x-real-ip}\n")).find("real_ip_header: unknown value"),
            std::string::npos);
  EXPECT_NE(error_of(with("", "        access: {deny: ['10.0.0.0/4']}\n")).find("deny: '10.0.0.0/4' is not a CIDR"),
            std::string::npos);
  EXPECT_NE(error_of(with("", "", "    protocol: h2c\n    proxy_protocol: v2\n"))
                .find("proxy_protocol: needs an HTTP/1.1 cluster"),
            std::string::npos);
}

}  // namespace
}  // namespace strata::config
