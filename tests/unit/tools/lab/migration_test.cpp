#include "tools/lab/migration.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

using namespace strata::tools::lab;

namespace {
MigrationResult result(bool h3_ok, unsigned h2_connections) {
  MigrationResult r;
  r.rtt_ms = 40;
  r.change_after_ms = 1200;
  MigrationRun h2{3500, 9000, true, h2_connections, 0};
  MigrationRun h3{3600, 3700, h3_ok, 1, h3_ok ? 1.0 : 0.0};
  r.variants = {{"h2", {h2, h2}}, {"h3", {h3, h3}}};
  return r;
}
}  // namespace

TEST(LabMigration, H3ContinuesAndH2RestartsConfirms) {
  auto r = result(true, 2);
  judge(r);
  EXPECT_TRUE(r.h3_continues);
  EXPECT_TRUE(r.h2_restarts);
  EXPECT_TRUE(r.confirmed) << r.verdict;
  EXPECT_NE(r.verdict.find("+5500 ms"), std::string::npos) << r.verdict;
  EXPECT_NE(r.confidence.find("medium"), std::string::npos);
}

TEST(LabMigration, AnyH3RunThatBrokeRefutes) {
  auto r = result(true, 2);
  r.variants[1].runs[1].intact = false;
  judge(r);
  EXPECT_FALSE(r.h3_continues);
  EXPECT_FALSE(r.confirmed);
  auto no_migration = result(true, 2);
  no_migration.variants[1].runs[0].migrations = 0;  // same path: nothing moved
  judge(no_migration);
  EXPECT_FALSE(no_migration.confirmed);
  auto h2_survived = result(true, 1);
  judge(h2_survived);
  EXPECT_FALSE(h2_survived.h2_restarts);
  EXPECT_FALSE(h2_survived.confirmed);
}

TEST(LabMigration, Outputs) {
  auto r = result(true, 2);
  judge(r);
  const auto j = nlohmann::json::parse(migration_json(r));
  EXPECT_TRUE(j["confirmed"].get<bool>());
  EXPECT_EQ(j["variants"][1]["runs"][0]["migrations"].get<double>(), 1);
  EXPECT_NE(migration_table(r).find("intact"), std::string::npos);
  EXPECT_EQ(migration_svg(r).rfind("<svg", 0), 0u);
}
