#include <gtest/gtest.h>

#include "router/actions/redirect.hpp"

using namespace strata;

namespace {
http::Request req(std::string scheme, std::string authority, std::string target) {
  http::Request r;
  r.scheme = std::move(scheme);
  r.authority = std::move(authority);
  r.target = std::move(target);
  return r;
}
}  // namespace

TEST(RouterRedirect, HttpsUpgradeDropsPort) {
  config::RedirectAction a;
  a.scheme = "https";
  EXPECT_EQ(router::redirect_location(a, req("http", "example.com:8080", "/a?b=1")),
            "https://example.com/a?b=1");
  a.port = 8443;
  EXPECT_EQ(router::redirect_location(a, req("http", "example.com:8080", "/a")),
            "https://example.com:8443/a");
  a.port = 443;
  EXPECT_EQ(router::redirect_location(a, req("http", "example.com", "/a")), "https://example.com/a");
}

TEST(RouterRedirect, HostPathAndQuery) {
  config::RedirectAction a;
  a.host = "new.example";
  a.path = "/landing";
  a.keep_query = false;
  EXPECT_EQ(router::redirect_location(a, req("https", "old.example:8443", "/x?y")),
            "https://new.example/landing");
  config::RedirectAction keep;
  EXPECT_EQ(router::redirect_location(keep, req("http", "[::1]:8080", "/p?q=1")),
            "http://[::1]:8080/p?q=1");
  EXPECT_EQ(router::redirect_location(keep, req("", "h", "/")), "http://h/");
}
