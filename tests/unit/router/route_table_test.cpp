#include <gtest/gtest.h>

#include "router/route_table.hpp"

using namespace strata;
using strata::router::RouteTable;

namespace {
http::Request req(std::string method, std::string authority, std::string target) {
  http::Request r;
  r.method = std::move(method);
  r.authority = std::move(authority);
  r.target = std::move(target);
  return r;
}

config::Route route(std::string name, config::Match m) {
  config::Route r;
  r.name = std::move(name);
  r.match = std::move(m);
  r.action = config::RespondAction{};
  return r;
}
}  // namespace

TEST(RouterHostOf, StripsPortKeepsBrackets) {
  EXPECT_EQ(router::host_of("example.com:8080"), "example.com");
  EXPECT_EQ(router::host_of("example.com"), "example.com");
  EXPECT_EQ(router::host_of("[::1]:443"), "[::1]");
  EXPECT_EQ(router::host_of("[::1]"), "[::1]");
  EXPECT_EQ(router::host_of("::1"), "::1");
  EXPECT_EQ(router::host_of(""), "");
}

TEST(RouterHostMatcher, ExactAndWildcard) {
  router::HostMatcher m({"Example.com", "*.api.test"});
  EXPECT_TRUE(m.matches("example.com"));
  EXPECT_TRUE(m.matches("EXAMPLE.COM"));
  EXPECT_TRUE(m.matches("example.com."));
  EXPECT_FALSE(m.matches("www.example.com"));
  EXPECT_TRUE(m.matches("v1.api.test"));
  EXPECT_TRUE(m.matches("a.b.API.test"));
  EXPECT_FALSE(m.matches("api.test"));
  EXPECT_FALSE(m.matches("xapi.test"));
  router::HostMatcher any({});
  EXPECT_TRUE(any.matches("whatever"));
  EXPECT_TRUE(any.matches(""));
}

TEST(RouterRouteTable, FirstMatchWinsAndPrefix) {
  std::vector<config::Route> rs;
  config::Match a;
  a.path = "/exact";
  rs.push_back(route("exact", a));
  config::Match b;
  b.prefix = "/api/";
  b.methods = {"get", "POST"};
  rs.push_back(route("api", b));
  config::Match c;
  c.prefix = "/";
  rs.push_back(route("", c));
  RouteTable t(rs, "main");

  auto m = t.match(req("GET", "h", "/exact?x=1"));
  ASSERT_TRUE(m);
  EXPECT_EQ(m.route->name, "exact");
  EXPECT_EQ(m.matched_prefix, "/exact");

  m = t.match(req("GET", "h", "/api/users"));
  ASSERT_TRUE(m);
  EXPECT_EQ(m.route->name, "api");
  EXPECT_EQ(m.matched_prefix, "/api/");

  m = t.match(req("DELETE", "h", "/api/users"));
  ASSERT_TRUE(m);
  EXPECT_EQ(m.route->name, "main#2");  // method mismatch falls through
  EXPECT_EQ(m.matched_prefix, "/");

  m = t.match(req("GET", "h", "/exact/more"));
  EXPECT_EQ(m.route->name, "main#2");
}

TEST(RouterRouteTable, NoMatchIsNull) {
  std::vector<config::Route> rs;
  config::Match a;
  a.hosts = {"only.example"};
  rs.push_back(route("a", a));
  RouteTable t(rs, "t");
  EXPECT_FALSE(t.match(req("GET", "other.example", "/")));
  EXPECT_TRUE(t.match(req("GET", "ONLY.example:8443", "/")));
}

TEST(RouterRouteTable, RegexIsFullMatch) {
  std::vector<config::Route> rs;
  config::Match a;
  a.regex = "/items/[0-9]+";
  rs.push_back(route("re", a));
  RouteTable t(rs, "t");
  EXPECT_TRUE(t.match(req("GET", "", "/items/42?q")));
  EXPECT_FALSE(t.match(req("GET", "", "/items/42/x")));
  EXPECT_FALSE(t.match(req("GET", "", "/x/items/42")));
  EXPECT_EQ(t.match(req("GET", "", "/items/1")).matched_prefix, "");
}

TEST(RouterRouteTable, BadRegexThrowsWithLocation) {
  std::vector<config::Route> rs;
  config::Match a;
  a.regex = "(unclosed";
  rs.push_back(route("bad", a));
  rs.back().loc = {"f.yaml", 7, 3};
  try {
    RouteTable t(rs, "t");
    FAIL() << "expected RouteError";
  } catch (const router::RouteError& e) {
    EXPECT_EQ(e.where().line, 7);
    EXPECT_NE(std::string(e.what()).find("(unclosed"), std::string::npos);
  }
}

TEST(RouterRouteTable, TwoPathKindsRejected) {
  std::vector<config::Route> rs;
  config::Match a;
  a.path = "/a";
  a.prefix = "/a";
  rs.push_back(route("bad", a));
  EXPECT_THROW(RouteTable(rs, "t"), router::RouteError);
}

TEST(RouterHeaderMatcher, ExactPrefixRegexAbsent) {
  http::Headers h;
  h.add("X-Env", "staging");
  h.add("x-env", "prod-eu");
  h.add("authorization", "Bearer abc");

  config::HeaderMatch exact{"X-Env", std::string("prod-eu"), {}, {}, true};
  EXPECT_TRUE(router::HeaderMatcher(exact, {}).matches(h));  // any field matching is enough
  config::HeaderMatch prefix{"authorization", {}, std::string("Bearer "), {}, true};
  EXPECT_TRUE(router::HeaderMatcher(prefix, {}).matches(h));
  config::HeaderMatch re{"x-env", {}, {}, std::string("prod-[a-z]+"), true};
  EXPECT_TRUE(router::HeaderMatcher(re, {}).matches(h));
  config::HeaderMatch re_partial{"x-env", {}, {}, std::string("prod"), true};
  EXPECT_FALSE(router::HeaderMatcher(re_partial, {}).matches(h));
  config::HeaderMatch present{"x-missing", {}, {}, {}, true};
  EXPECT_FALSE(router::HeaderMatcher(present, {}).matches(h));
  config::HeaderMatch absent{"x-missing", {}, {}, {}, false};
  EXPECT_TRUE(router::HeaderMatcher(absent, {}).matches(h));
  config::HeaderMatch absent_but_there{"x-env", {}, {}, {}, false};
  EXPECT_FALSE(router::HeaderMatcher(absent_but_there, {}).matches(h));
}

TEST(RouterRouteTable, HeaderConditionsInRoute) {
  std::vector<config::Route> rs;
  config::Match a;
  a.headers.push_back({"x-canary", std::string("1"), {}, {}, true});
  rs.push_back(route("canary", a));
  rs.push_back(route("default", {}));
  RouteTable t(rs, "t");
  auto r = req("GET", "h", "/");
  EXPECT_EQ(t.match(r).route->name, "default");
  r.headers.add("x-canary", "1");
  EXPECT_EQ(t.match(r).route->name, "canary");
}
