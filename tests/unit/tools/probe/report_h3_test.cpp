// The probe report for HTTP/3 attempts: no TCP connect ("-" / null), the
// QUIC handshake in the TLS slot, 0-RTT shown, the RTT fed to the diagnosis.
#include <nlohmann/json.hpp>

#include <gtest/gtest.h>

#include "tools/probe/report.hpp"

using namespace strata::tools::probe;

namespace {

Attempt quic_attempt(bool zero_rtt) {
  Attempt a;
  a.quic = true;
  a.protocol = "h3";
  a.status = 200;
  a.dns_done = 1;
  a.connect_done = 1;
  a.tls_done = 4;
  a.request_sent = zero_rtt ? 1.5 : 4.5;  // 0-RTT: sent during the handshake
  a.first_byte = 6;
  a.done = 7;
  a.rtt_ms = 0.5;
  a.tls_version = "TLSv1.3";
  a.cipher = "TLS_AES_128_GCM_SHA256";
  a.alpn = "h3";
  a.resumed = zero_rtt;
  a.early_data = zero_rtt;
  a.early_data_accepted = zero_rtt;
  a.verify = "not checked";
  return a;
}

}  // namespace

TEST(ProbeReportH3, PhasesHaveNoConnectAndCarryTheRtt) {
  const PhaseTimes p = quic_attempt(false).phases();
  EXPECT_DOUBLE_EQ(p.connect_ms, 0);
  EXPECT_DOUBLE_EQ(p.tls_ms, 3);
  EXPECT_DOUBLE_EQ(p.wait_ms, 1.5);
  EXPECT_DOUBLE_EQ(p.rtt_ms, 0.5);
  // TCP attempts keep rtt_ms < 0 (diagnosis uses connect).
  Attempt tcp = quic_attempt(false);
  tcp.quic = false;
  EXPECT_LT(tcp.phases().rtt_ms, 0);
  EXPECT_DOUBLE_EQ(summary_phases({quic_attempt(false), quic_attempt(true)}).rtt_ms, 0.5);
}

TEST(ProbeReportH3, TextShowsDashForConnectAndZeroRtt) {
  const std::vector<Attempt> as{quic_attempt(false), quic_attempt(true)};
  const std::string t = report_text("https://x/", as, {});
  EXPECT_NE(t.find("QUIC over UDP: no TCP connect"), std::string::npos) << t;
  EXPECT_NE(t.find("0-RTT=no"), std::string::npos) << t;
  EXPECT_NE(t.find("0-RTT=accepted"), std::string::npos) << t;
  EXPECT_NE(t.find("  quic     |"), std::string::npos) << t;
  EXPECT_EQ(t.find("SCTs"), std::string::npos) << t;
  const std::string w = waterfall(as[1]);
  EXPECT_NE(w.find("  send     |"), std::string::npos) << w;
}

TEST(ProbeReportH3, JsonHasNullConnectAndQuicBlock) {
  const auto j = nlohmann::json::parse(report_json("https://x/", {quic_attempt(true)}, {}));
  const auto& a = j["attempts"][0];
  EXPECT_TRUE(a["connect_ms"].is_null());
  EXPECT_TRUE(a["phases_ms"]["connect"].is_null());
  EXPECT_TRUE(a["at_ms"]["connect_done"].is_null());
  EXPECT_EQ(a["protocol"], "h3");
  EXPECT_DOUBLE_EQ(a["quic"]["handshake_ms"].get<double>(), 3);
  EXPECT_EQ(a["quic"]["zero_rtt"]["accepted"], true);
  EXPECT_EQ(a["tls"]["resumed"], true);
  EXPECT_FALSE(a.contains("scts"));
  EXPECT_TRUE(j["summary_ms"]["connect"].is_null());
}
