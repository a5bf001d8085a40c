#include "core/str_writer.hpp"

#include <gtest/gtest.h>

#include <string>

namespace strata::core {
namespace {

TEST(StrWriter, AppendsAfterWhatIsThereAndTrimsToWhatWasWritten) {
  std::string out = "pre|";
  {
    StrWriter w(out, 100);
    w.put(std::string_view("GET"));
    w.put(' ');
    w.lit("/x");
    w.field("host", "example.com");
    EXPECT_EQ(out.size(), 104u);  // the bound is there while writing
  }
  EXPECT_EQ(out, "pre|GET /xhost: example.com\r\n");
  EXPECT_EQ(StrWriter::field_size(4, 11), std::string_view("host: example.com\r\n").size());
}

TEST(StrWriter, ReuseWritesFromTheStartAndLeavesTheSize) {
  std::string buf(64, 'x');
  {
    StrWriter w(buf, 10, StrWriter::Reuse{});
    w.lit("ab");
    EXPECT_EQ(w.size(), 2u);
  }
  EXPECT_EQ(buf.size(), 64u);
  EXPECT_EQ(buf.substr(0, 3), "abx");
  std::string small = "q";
  {
    StrWriter w(small, 10, StrWriter::Reuse{});  // grows to the bound
    w.field("a", "bc");
    EXPECT_EQ(w.size(), 7u);
  }
  EXPECT_EQ(small.size(), 10u);
  EXPECT_EQ(small.substr(0, 7), "a: bc\r\n");
}

TEST(StrWriter, ExactBoundAndFinishTwice) {
  std::string out;
  StrWriter w(out, StrWriter::field_size(1, 2));
  w.field("a", "bc");
  w.finish();
  w.finish();
  EXPECT_EQ(out, "a: bc\r\n");
}

TEST(StrWriter, NothingWrittenLeavesTheStringAsItWas) {
  std::string out = "keep";
  { StrWriter w(out, 50); }
  EXPECT_EQ(out, "keep");
}

TEST(StrWriter, FieldIfCleanDropsAFieldWithALineBreakOrNul) {
  std::string out;
  {
    StrWriter w(out, 200);
    EXPECT_TRUE(w.field_if_clean("a", "1"));
    EXPECT_FALSE(w.field_if_clean("x-evil", "v\r\nset-cookie: y"));   // in the value
    EXPECT_FALSE(w.field_if_clean("x-bad\nname", "v"));               // in the name
    EXPECT_FALSE(w.field_if_clean("x-nul", std::string_view("a\0b", 3)));
    EXPECT_FALSE(w.field_if_clean("x-long-value", std::string(40, 'v') + "\r"));  // in the last word
    EXPECT_TRUE(w.field_if_clean("b", ""));
    EXPECT_TRUE(w.field_if_clean("user-agent", "curl/7.88.1 with a longer value"));
  }
  EXPECT_EQ(out, "a: 1\r\nb: \r\nuser-agent: curl/7.88.1 with a longer value\r\n");
}

}  // namespace
}  // namespace strata::core
