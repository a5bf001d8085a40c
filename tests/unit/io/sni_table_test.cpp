#include "io/sni_table.hpp"

#include <gtest/gtest.h>

namespace strata::io {
namespace {

TEST(SniTable, ExactWildcardAndFallback) {
  SniTable t;
  t.add({"default.test"}, 0);
  t.add({"API.example.com", "*.example.com"}, 1);
  t.add({"*.b.example.com", "api.example.com"}, 2);
  EXPECT_EQ(t.find("api.example.com"), 1u);   // exact, first added wins
  EXPECT_EQ(t.find("Api.Example.COM."), 1u);  // case, trailing dot
  EXPECT_EQ(t.find("www.example.com"), 1u);   // wildcard
  EXPECT_EQ(t.find("x.b.example.com"), 2u);   // more specific wildcard
  EXPECT_EQ(t.find("x.y.example.com"), 0u);   // wildcard covers one label only
  EXPECT_EQ(t.find("example.com"), 0u);
  EXPECT_EQ(t.find("unknown.test"), 0u);
  EXPECT_EQ(t.find(""), 0u);
  EXPECT_EQ(t.find("."), 0u);
  EXPECT_EQ(t.find(".example.com"), 0u);
}

TEST(SniTable, EmptyNamesIgnored) {
  SniTable t;
  t.add({"", "*."}, 3);
  EXPECT_EQ(t.find("a"), 0u);
}

}  // namespace
}  // namespace strata::io
