#include <gtest/gtest.h>

#include "http/headers.hpp"

using strata::http::Headers;

TEST(Headers, AddLowercasesAndGetIsCaseInsensitive) {
  Headers h;
  h.add("Content-Type", "text/plain");
  EXPECT_EQ(h.begin()->name, "content-type");
  EXPECT_EQ(h.get("CONTENT-TYPE").value(), "text/plain");
  EXPECT_FALSE(h.get("content-length"));
}

TEST(Headers, SetReplacesAllAndJoinedCombines) {
  Headers h;
  h.add("x-a", "1");
  h.add("X-A", "2");
  EXPECT_EQ(h.joined("x-a"), "1, 2");
  h.set("x-a", "3");
  EXPECT_EQ(h.size(), 1u);
  EXPECT_EQ(h.joined("x-a"), "3");
  EXPECT_EQ(h.remove("x-a"), 1u);
  EXPECT_TRUE(h.empty());
}
