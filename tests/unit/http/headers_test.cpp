#include <gtest/gtest.h>

#include "http/headers.hpp"

#include <string>
#include <vector>

using strata::http::Headers;
using strata::http::no_line_breaks;

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

TEST(Headers, FieldsStayValidAcrossManyAddsAndBlockGrowth) {
  Headers h;
  std::vector<std::string> values;
  for (int i = 0; i < 200; ++i) values.push_back(std::string(std::size_t(i % 37 + 1), char('a' + i % 26)));
  for (int i = 0; i < 200; ++i) h.add("X-Field-" + std::to_string(i), values[std::size_t(i)]);
  ASSERT_EQ(h.size(), 200u);
  int i = 0;
  for (const auto& f : h) {
    EXPECT_EQ(f.name, "x-field-" + std::to_string(i));
    EXPECT_EQ(f.value, values[std::size_t(i)]);
    ++i;
  }
}

// add() keeps name and value side by side in one block: empty halves, a
// field bigger than a block, and the fields after it stay intact.
TEST(Headers, AddEmptyPartsAndAFieldBiggerThanABlock) {
  Headers h;
  h.add("", "");
  h.add("X-Empty", "");
  h.add("", "orphan");
  const std::string big(3000, 'v');
  h.add("X-Big", big);
  h.add("Next", "1");
  ASSERT_EQ(h.size(), 5u);
  auto it = h.begin();
  EXPECT_EQ(it->name, "");
  EXPECT_EQ(it->value, "");
  EXPECT_NE(it->name.data(), nullptr);
  ++it;
  EXPECT_EQ(it->name, "x-empty");
  EXPECT_EQ(it->value, "");
  ++it;
  EXPECT_EQ(it->name, "");
  EXPECT_EQ(it->value, "orphan");
  ++it;
  EXPECT_EQ(it->name, "x-big");
  EXPECT_EQ(it->value, big);
  ++it;
  EXPECT_EQ(it->name, "next");
  EXPECT_EQ(it->value, "1");
  EXPECT_EQ(h.byte_size(), 7u + 6u + 5u + 3000u + 5u);
}

TEST(Headers, CopyOwnsItsBytesAndMoveKeepsViews) {
  Headers a;
  a.add("A", "1");
  a.add("Empty", "");
  Headers b = a;
  a.clear();
  a.add("Z", "overwritten");  // reuses a's block: b must not see it
  EXPECT_EQ(b.get("a"), "1");
  EXPECT_EQ(b.get("empty"), "");
  EXPECT_EQ(b.size(), 2u);
  const auto* before = b.get("a")->data();
  Headers c = std::move(b);
  EXPECT_EQ(c.get("a")->data(), before);  // moved, not copied
  c = a;                                   // copy-assign replaces
  EXPECT_EQ(c.size(), 1u);
  EXPECT_EQ(c.get("z"), "overwritten");
}

TEST(Headers, SetWithItsOwnValueAndClearReuse) {
  Headers h;
  h.add("a", "value-of-a");
  h.set("b", *h.get("a"));  // a view into h itself
  h.set("a", *h.get("b"));
  EXPECT_EQ(h.get("a"), "value-of-a");
  EXPECT_EQ(h.get("b"), "value-of-a");
  for (int round = 0; round < 3; ++round) {  // clear keeps one block big enough for all
    h.clear();
    EXPECT_TRUE(h.empty());
    for (int i = 0; i < 50; ++i) h.add("k" + std::to_string(i), std::string(40, 'v'));
    EXPECT_EQ(h.size(), 50u);
    EXPECT_EQ(h.get("k49"), std::string(40, 'v'));
  }
}

TEST(Headers, NoLineBreaks) {
  EXPECT_TRUE(no_line_breaks("text/plain; charset=utf-8"));
  EXPECT_TRUE(no_line_breaks(""));
  EXPECT_TRUE(no_line_breaks("\t tabs and \x0b\x0c are not line breaks"));
  EXPECT_FALSE(no_line_breaks("a\r"));
  EXPECT_FALSE(no_line_breaks("a\nb"));
  EXPECT_FALSE(no_line_breaks(std::string_view("a\0b", 3)));
}

TEST(Headers, AppendCopiesVerbatimAndRemoveIfDropsInOnePass) {
  strata::http::Headers a;
  a.add("X-Up", "1");
  strata::http::Headers b;
  b.reserve_bytes(2000);
  for (const auto& f : a) b.append(f);
  b.append(strata::http::Header{"Mixed-Case", "v"});  // kept as given
  b.add("drop", "x");
  EXPECT_EQ(b.get("x-up"), "1");
  EXPECT_EQ(b.begin()[1].name, "Mixed-Case");
  EXPECT_EQ(b.remove_if([](const strata::http::Header& f) { return f.name != "x-up"; }), 2u);
  ASSERT_EQ(b.size(), 1u);
  EXPECT_EQ(b.begin()->value, "1");
}

// A borrowed field points at the caller's bytes; a copy of the list owns
// its own (the caller's buffer changing after the copy does not show).
TEST(Headers, BorrowedFieldsAreViewsAndACopyOwnsItsBytes) {
  std::string value = "borrowed-value";
  strata::http::Headers h;
  h.append_borrowed({"x-b", value});
  std::string tmp = "kept";
  h.append_borrowed({"x-k", h.keep(tmp)});
  tmp = "changed";
  EXPECT_EQ(h.begin()->value.data(), value.data());  // no copy
  EXPECT_EQ(h.get("x-k"), "kept");                    // keep() copied it
  const strata::http::Headers copy = h;
  value.assign(value.size(), 'z');
  EXPECT_EQ(h.get("x-b"), std::string(14, 'z'));
  EXPECT_EQ(copy.get("x-b"), "borrowed-value");
  EXPECT_EQ(copy.get("x-k"), "kept");
  h.clear();
  EXPECT_TRUE(h.empty());
}

TEST(Headers, IequalsEveryLengthAndCase) {
  for (std::size_t n = 0; n < 40; ++n) {
    std::string a, b;
    for (std::size_t i = 0; i < n; ++i) {
      a.push_back(char('a' + i % 26));
      b.push_back(char(i % 2 ? 'A' + i % 26 : 'a' + i % 26));
    }
    EXPECT_TRUE(strata::http::iequals(a, b)) << n;
    for (std::size_t i = 0; i < n; ++i) {
      std::string c = b;
      c[i] = '@';  // '@' is 'A' - 1: not a case of any letter
      EXPECT_FALSE(strata::http::iequals(a, c)) << n << " " << i;
      c[i] = char(a[i] ^ 0x20 ^ 0x80);
      EXPECT_FALSE(strata::http::iequals(a, c)) << n << " " << i;
    }
    EXPECT_FALSE(strata::http::iequals(a, b + "x"));
  }
}
