#include "tools/lab/hol.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

using namespace strata::tools::lab;

namespace {
// h2 loses `h2_drop` of its bulk throughput per 1% of loss; h3 keeps
// `h3_ratio` of h2's figures at loss >= 1%.
HolResult model(double h2_drop, double h3_ratio) {
  HolResult r;
  for (double rtt : {50.0, 200.0})
    for (double loss : {0.0, 1.0, 2.0}) {
      const double h2_bulk = 40 * (1 - h2_drop * loss) * 50 / rtt;
      const double h2_page = 300 * (1 + 0.2 * loss) * rtt / 50;
      const double k = loss >= 1 ? h3_ratio : 1;
      r.cells.push_back({rtt, loss, "h2", {h2_page, h2_page * 1.1}, {h2_bulk, h2_bulk * 0.9}, 0});
      r.cells.push_back({rtt, loss, "h3", {h2_page / k, h2_page / k * 1.1}, {h2_bulk * k, h2_bulk * k * 0.9}, 0});
    }
  return r;
}
}  // namespace

TEST(LabHol, ParsesLosses) {
  EXPECT_EQ(parse_losses("0,0.5,1,2,5"), (std::vector<double>{0, 0.5, 1, 2, 5}));
  EXPECT_THROW(parse_losses("0,x"), std::invalid_argument);
  EXPECT_THROW(parse_losses("0,100"), std::invalid_argument);
  EXPECT_THROW(parse_losses("1,"), std::invalid_argument);
  EXPECT_THROW(parse_losses("-1"), std::invalid_argument);
}

TEST(LabHol, TheSourcesNumbersConfirmTheClaim) {
  auto r = model(0.11, 1.35);
  judge(r);
  EXPECT_NEAR(r.h2_drop_at_1pct, 0.11, 1e-9);
  EXPECT_NEAR(r.h3_gain_bulk, 0.35, 1e-9);
  EXPECT_NEAR(r.h3_gain_page, 0.35, 1e-9);
  EXPECT_TRUE(r.claim_drop_matches && r.claim_gain_matches) << r.verdict;
  EXPECT_NE(r.verdict.find(": CONFIRMED"), std::string::npos) << r.verdict;
}

TEST(LabHol, H3WorseUnderLossIsNotConfirmed) {
  auto r = model(0.11, 0.5);
  judge(r);
  EXPECT_TRUE(r.claim_drop_matches);
  EXPECT_FALSE(r.claim_gain_matches);
  EXPECT_NE(r.verdict.find("PARTLY CONFIRMED"), std::string::npos) << r.verdict;
  EXPECT_NE(r.verdict.find("0.50x"), std::string::npos) << r.verdict;
  auto none = model(0.5, 0.5);
  judge(none);
  EXPECT_NE(none.verdict.find("NOT CONFIRMED"), std::string::npos) << none.verdict;
}

TEST(LabHol, MissingCellsAndOutputs) {
  HolResult empty;
  judge(empty);
  EXPECT_EQ(empty.verdict, "no measurement");
  auto r = model(0.11, 1.35);
  r.cells[2].bulk_mbps.clear();  // h2 at 1%, first RTT: no figure
  judge(r);
  EXPECT_EQ(r.h2_drop_at_1pct, -1);
  EXPECT_FALSE(r.claim_drop_matches);
  const auto j = nlohmann::json::parse(hol_json(r));
  EXPECT_TRUE(j["h2_drop_at_1pct"].is_null());
  EXPECT_EQ(j["cells"].size(), 12u);
  EXPECT_NE(hol_table(r).find("h3/h2"), std::string::npos);
  EXPECT_EQ(hol_svg(r).rfind("<svg", 0), 0u);
  ASSERT_NE(find_cell(r, 200, 2, "h3"), nullptr);
  EXPECT_EQ(find_cell(r, 200, 3, "h3"), nullptr);
}

TEST(LabHol, QuicControllerMatchesTheKernelsTcpController) {
  EXPECT_EQ(quic_cc_matching("bbr"), "bbr");
  EXPECT_EQ(quic_cc_matching("cubic"), "cubic");
  EXPECT_EQ(quic_cc_matching("reno"), "reno");
  EXPECT_EQ(quic_cc_matching("vegas"), "");  // no match: strata's default
  EXPECT_EQ(quic_cc_matching(""), "");
  auto r = model(0.11, 1.35);
  judge(r);
  r.tcp_cc = "bbr";
  r.quic_cc = "bbr";
  EXPECT_NE(hol_table(r).find("congestion control: TCP bbr (the kernel's), QUIC bbr"), std::string::npos);
  const auto j = nlohmann::json::parse(hol_json(r));
  EXPECT_EQ(j["tcp_congestion"], "bbr");
  EXPECT_EQ(j["quic_congestion"], "bbr");
  r.quic_cc.clear();
  EXPECT_NE(hol_table(r).find("QUIC bbr2 (strata's default; no match)"), std::string::npos);
}
