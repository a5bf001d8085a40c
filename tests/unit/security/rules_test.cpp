// security/rules.hpp (and rule_match.hpp): keys, matches, the registry
// keeping unchanged rules' state across a reload, new connections at accept.
#include "security/rules.hpp"

#include <gtest/gtest.h>


namespace strata::security {
namespace {

using namespace std::chrono_literals;

config::Rule rule(std::string name, std::string counter, std::uint64_t threshold) {
  config::Rule r;
  r.name = std::move(name);
  r.counter = std::move(counter);
  r.threshold = threshold;
  r.duration = 60s;
  return r;
}

http::Request request(std::string method, std::string target) {
  http::Request q;
  q.method = std::move(method);
  q.target = std::move(target);
  q.authority = "example.com";
  return q;
}

TEST(SecurityRules, KeysFromAddressHeaderCookie) {
  core::FakeClock clock;
  auto r = rule("k", "requests", 1);
  r.key = {{"client_prefix", ""}, {"header", "x-user"}, {"cookie", "sid"}};
  r.ipv4_prefix = 16;
  RuleSet set({r}, clock, nullptr);
  auto q = request("GET", "/");
  q.headers.add("x-user", "alice");
  q.headers.add("cookie", "a=1; sid=s3; b=2");
  EXPECT_EQ(set.rules()[0].key("10.1.2.3", &q), "10.1.0.0/16|alice|s3");
  EXPECT_EQ(set.rules()[0].key("::ffff:10.1.2.3", &q), "10.1.0.0/16|alice|s3");
  r.key = {{"client_ip", ""}};
  RuleSet ip({r}, clock, nullptr);
  EXPECT_EQ(ip.rules()[0].key("2001:db8::1", nullptr), "2001:db8::1");
  r.key = {{"client_prefix", ""}};
  RuleSet v6({r}, clock, nullptr);
  EXPECT_EQ(v6.rules()[0].key("2001:db8:1:2:3::1", nullptr), "2001:db8:1:2::/64");
}

TEST(SecurityRules, MatchLikeRoutes) {
  core::FakeClock clock;
  auto r = rule("m", "requests", 1);
  r.match.prefix = "/login";
  r.match.methods = {"POST"};
  r.match.headers = {{"user-agent", "bot.*"}};
  RuleSet set({r}, clock, nullptr);
  auto q = request("POST", "/login/x?y=1");
  q.headers.add("user-agent", "bot/1");
  EXPECT_TRUE(set.rules()[0].matches(q));
  q.method = "GET";
  EXPECT_FALSE(set.rules()[0].matches(q));
  auto other = request("POST", "/other");
  other.headers.add("user-agent", "bot/1");
  EXPECT_FALSE(set.rules()[0].matches(other));
  RuleSet any({rule("any", "requests", 1)}, clock, nullptr);
  EXPECT_TRUE(any.rules()[0].matches(other));
}

TEST(SecurityRules, RequestHashIsMethodAuthorityPath) {
  auto a = request("GET", "/x?1");
  auto b = request("GET", "/x?2");  // the query is not part of it
  auto c = request("POST", "/x");
  EXPECT_EQ(request_hash(a), request_hash(b));
  EXPECT_NE(request_hash(a), request_hash(c));
}

TEST(SecurityRules, RegistryKeepsUnchangedRulesAcrossReload) {
  core::FakeClock clock;
  RuleRegistry reg(clock);
  auto a = rule("reload-a", "requests", 1);
  auto b = rule("reload-b", "requests", 1);
  auto s1 = reg.configure({a, b});
  EXPECT_EQ(reg.configure({a, b}), s1);  // unchanged: the same set
  s1->rules()[0].table->count("k"), s1->rules()[0].table->count("k");
  s1->rules()[1].table->count("k"), s1->rules()[1].table->count("k");
  b.threshold = 5;  // b changes, a does not
  auto s2 = reg.configure({a, b});
  EXPECT_NE(s2, s1);
  EXPECT_EQ(reg.current(), s2);
  EXPECT_EQ(s2->find("reload-a")->table, s1->find("reload-a")->table);
  EXPECT_EQ(s2->find("reload-a")->table->check("k").kind, Verdict::block);
  EXPECT_NE(s2->find("reload-b")->table, s1->find("reload-b")->table);
  EXPECT_FALSE(s1->find("reload-b")->table->penalized("k"));  // ended by the change
  EXPECT_EQ(s2->find("reload-b")->table->check("k").kind, Verdict::none);
  auto s3 = reg.configure({b});  // a removed
  EXPECT_EQ(s3->find("reload-a"), nullptr);
  EXPECT_EQ(s3->find("reload-b")->table, s2->find("reload-b")->table);
}

TEST(SecurityRules, NewConnectionsCountedAndBlockCloseRefuses) {
  core::FakeClock clock;
  auto conns = rule("conn-flood", "new_connections", 3);
  conns.key = {{"client_ip", ""}};
  conns.action = "rate_limit";
  auto closer = rule("closer", "requests", 1);
  closer.block_close = true;
  RuleSet set({conns, closer}, clock, nullptr);
  for (int i = 0; i < 3; ++i) EXPECT_FALSE(set.on_connection("10.0.0.1"));
  EXPECT_FALSE(set.on_connection("10.0.0.1"));  // 4th: penalized (rate_limit: requests)
  EXPECT_TRUE(set.find("conn-flood")->table->penalized("10.0.0.1"));
  EXPECT_FALSE(set.find("conn-flood")->table->penalized("10.0.0.2"));
  // A block_close penalty of an address-keyed rule closes at accept.
  set.find("closer")->table->count("10.0.0.0/24");
  set.find("closer")->table->count("10.0.0.0/24");
  EXPECT_TRUE(set.on_connection("10.0.0.9"));
  EXPECT_FALSE(set.on_connection("10.0.1.9"));
}

}  // namespace
}  // namespace strata::security
