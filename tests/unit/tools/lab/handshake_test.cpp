#include "tools/lab/handshake.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

using namespace strata::tools::lab;

namespace {
HandshakeResult textbook(double rtt) {
  HandshakeResult r;
  r.rtt_ms = rtt;
  // Measured = textbook round trips + processing time (the no-delay runs).
  r.variants = {{"h1 + TLS 1.2", 4, {4 * rtt + 33, 4 * rtt + 35, 4 * rtt + 34}, {34, 33, 35}, {rtt + 1}, true},
                {"h1 + TLS 1.3", 3, {3 * rtt + 23, 3 * rtt + 24, 3 * rtt + 22}, {23, 22, 24}, {rtt + 1}, true},
                {"h2 + TLS 1.3", 3, {3 * rtt + 23, 3 * rtt + 24, 3 * rtt + 22}, {23, 22, 24}, {rtt + 1}, true},
                {"h3 1-RTT", 2, {2 * rtt + 44, 2 * rtt + 46, 2 * rtt + 45}, {40, 40, 40}, {}, true},
                {"h3 0-RTT", 1, {rtt + 13, rtt + 12, rtt + 14}, {13, 13, 13}, {}, true}};
  return r;
}
}  // namespace

TEST(LabHandshake, Median) {
  EXPECT_EQ(median({3, 1, 2}), 2);
  EXPECT_EQ(median({4, 1, 2, 3}), 2.5);
}

TEST(LabHandshake, TextbookMeasurementsConfirmTheClaim) {
  auto r = textbook(50);
  judge(r);
  EXPECT_TRUE(r.confirmed) << r.verdict;
  EXPECT_NE(r.verdict.find("TCP+TLS 1.3 2, HTTP/3 1, HTTP/3 0-RTT 0"), std::string::npos) << r.verdict;
  EXPECT_EQ(r.confidence.rfind("high", 0), 0u) << r.confidence;
  auto t = handshake_table(r);
  EXPECT_NE(t.find("h3 0-RTT"), std::string::npos);
  EXPECT_NE(t.find("CONFIRMED"), std::string::npos);
  auto j = nlohmann::json::parse(handshake_json(r));
  EXPECT_EQ(j["variants"].size(), 5u);
  EXPECT_NEAR(j["variants"][3]["round_trips"].get<double>(), 2.1, 1e-9);  // (100 + 45 - 40) / 50
  EXPECT_NEAR(round_trips(r.variants[0], 50), 4.0, 1e-9);
  auto svg = handshake_svg(r);
  EXPECT_EQ(svg.rfind("<svg", 0), 0u);
  EXPECT_NE(svg.find("h2 + TLS 1.3"), std::string::npos);
}

TEST(LabHandshake, RejectedZeroRttOrAnExtraRoundTripIsNotConfirmed) {
  auto r = textbook(50);
  r.variants[4].zero_rtt_accepted = false;
  judge(r);
  EXPECT_FALSE(r.confirmed);
  EXPECT_NE(r.verdict.find("not accepted"), std::string::npos);
  auto r2 = textbook(50);
  for (auto& ms : r2.variants[3].ttfb_ms) ms += 50;  // h3 took 3 round trips
  judge(r2);
  EXPECT_FALSE(r2.confirmed);
}

TEST(LabHandshake, SpreadLowersConfidence) {
  auto r = textbook(50);
  r.variants[0].ttfb_ms = {200, 260};  // 1.2 RTT apart, two repetitions
  judge(r);
  EXPECT_EQ(r.confidence.rfind("low", 0), 0u) << r.confidence;
}
