// cache/key: primary keys, key parts, Vary values and matching.
#include <gtest/gtest.h>

#include "cache/key.hpp"

namespace strata::cache {
namespace {

http::Request get(std::string target) {
  http::Request r;
  r.method = "GET";
  r.scheme = "http";
  r.authority = "Example.COM";
  r.target = std::move(target);
  return r;
}

TEST(CacheKey, SchemeHostTargetAndMethodIndependent) {
  auto a = get("/a?x=1");
  auto b = a;
  b.method = "HEAD";
  EXPECT_EQ(primary_key(a, "1.2.3.4", {}), "http://example.com/a?x=1");
  EXPECT_EQ(primary_key(a, "", {}), primary_key(b, "", {}));
  config::CacheKeyParts noq;
  noq.query = false;
  EXPECT_EQ(primary_key(a, "", noq), "http://example.com/a");
  EXPECT_EQ(request_url(a), "http://example.com/a?x=1");
}

TEST(CacheKey, HeadersCookiesClientPrefix) {
  auto a = get("/");
  a.headers.add("x-tenant", "t1");
  a.headers.add("cookie", "a=1; lang=fr; b=2");
  config::CacheKeyParts p;
  p.headers = {"x-tenant"};
  p.cookies = {"lang"};
  p.client_prefix = true;
  auto k1 = primary_key(a, "10.1.2.3", p);
  EXPECT_EQ(k1, primary_key(a, "10.1.2.99", p));
  EXPECT_NE(k1, primary_key(a, "10.1.3.3", p));
  auto b = a;
  b.headers.set("cookie", "lang=de");
  EXPECT_NE(k1, primary_key(b, "10.1.2.3", p));
  EXPECT_EQ(client_network("2001:db8:1:2:3:4:5:6"), "2001:db8:1:2::/64");
}

TEST(CacheKey, VaryNamesValuesAndMatching) {
  http::Headers resp;
  resp.add("vary", "Accept-Encoding, accept-language");
  bool star = false;
  auto names = vary_names(resp, {"accept-encoding", "x-device"}, star);
  EXPECT_FALSE(star);
  EXPECT_EQ(names, (std::vector<std::string>{"accept-encoding", "accept-language", "x-device"}));
  http::Headers req;
  req.add("accept-encoding", "gzip,  br");
  Object o;
  o.vary = vary_values(names, req);
  EXPECT_EQ(o.vary[0].value, "br,gzip");  // members sorted
  EXPECT_EQ(o.vary[1].value, "");
  http::Headers again;
  again.add("accept-encoding", "gzip ,br");
  EXPECT_TRUE(vary_matches(o, again));
  again.add("accept-language", "fr");
  EXPECT_FALSE(vary_matches(o, again));
  http::Headers l1, l2;
  l1.add("accept-language", "en, De");
  l2.add("accept-language", "de,EN");
  EXPECT_EQ(vary_values({"accept-language"}, l1), vary_values({"accept-language"}, l2));
  http::Headers x1, x2;
  x1.add("x-user", "A");
  x2.add("x-user", "a");
  EXPECT_NE(vary_values({"x-user"}, x1), vary_values({"x-user"}, x2));
  resp.add("vary", "*");
  vary_names(resp, {}, star);
  EXPECT_TRUE(star);
  o.vary_star = true;
  EXPECT_FALSE(vary_matches(o, req));
}

}  // namespace
}  // namespace strata::cache
