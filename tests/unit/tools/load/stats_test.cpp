// Accounting of a load run: requests cut off by the deadline are reported
// apart from failures.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "tools/load/stats.hpp"

using namespace strata::tools::load;

namespace {

RunInfo info() {
  RunInfo r;
  r.protocol = "h2";
  r.elapsed_s = 2;
  r.connections = 1;
  r.threads = 1;
  r.streams = 1;
  return r;
}

}  // namespace

TEST(LoadStats, UnfinishedAreNeitherSucceededNorFailed) {
  ThreadStats a, b;
  a.succeeded = 10;
  a.unfinished = 3;
  b.succeeded = 5;
  b.failed = 2;
  b.unfinished = 4;
  a.merge(b);
  EXPECT_EQ(a.unfinished, 7u);
  auto j = nlohmann::json::parse(report_json(a, info()));
  EXPECT_EQ(j["requests"]["succeeded"], 15);
  EXPECT_EQ(j["requests"]["failed"], 2);
  EXPECT_EQ(j["requests"]["unfinished"], 7);
  EXPECT_EQ(j["requests"]["total"], 17);
  EXPECT_NE(report_text(a, info()).find("2 failed, 7 unfinished at the end"), std::string::npos);
}

TEST(LoadStats, TextOmitsUnfinishedWhenNone) {
  ThreadStats a;
  a.succeeded = 1;
  EXPECT_EQ(report_text(a, info()).find("unfinished"), std::string::npos);
}
