// security/penalties_api.hpp: the admin list and delete of penalties.
#include "security/penalties_api.hpp"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

namespace strata::security {
namespace {

using namespace std::chrono_literals;

TEST(SecurityPenaltiesApi, ListAndDelete) {
  core::FakeClock clock;
  config::Rule r;
  r.name = "api-rule";
  r.threshold = 1;
  r.duration = 10s;
  RuleSet set({r}, clock, nullptr);
  auto& t = *set.rules()[0].table;
  for (const char* k : {"10.0.0.0/24", "10.0.1.0/24"}) t.count(k), t.count(k);
  clock.advance(4s);
  auto list = penalties_list(&set);
  EXPECT_EQ(list.status, 200);
  auto j = nlohmann::json::parse(list.body);
  ASSERT_EQ(j.size(), 2u);
  EXPECT_EQ(j[0]["rule"], "api-rule");
  EXPECT_EQ(j[0]["key"], "10.0.0.0/24");
  EXPECT_EQ(j[0]["action"], "block");
  EXPECT_DOUBLE_EQ(j[0]["remaining"].get<double>(), 6.0);
  EXPECT_EQ(j[0]["since"].get<std::string>().size(), 24u);  // 2026-01-02T03:04:05.678Z
  EXPECT_EQ(penalties_delete(&set, "").status, 400);
  EXPECT_EQ(penalties_delete(&set, "rule=nope").status, 404);
  auto del = penalties_delete(&set, "rule=api-rule&key=10.0.0.0%2F24");
  EXPECT_EQ(del.status, 200);
  EXPECT_EQ(nlohmann::json::parse(del.body)["removed"], 1);
  EXPECT_EQ(nlohmann::json::parse(penalties_list(&set).body).size(), 1u);
  EXPECT_EQ(nlohmann::json::parse(penalties_delete(&set, "rule=api-rule").body)["removed"], 1);
  EXPECT_EQ(penalties_list(&set).body, "[]\n");
  EXPECT_EQ(penalties_list(nullptr).body, "[]\n");
}

}  // namespace
}  // namespace strata::security
