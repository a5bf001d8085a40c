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

}  // namespace
}  // namespace strata::core
