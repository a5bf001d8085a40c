#include "tools/probe/diagnosis.hpp"

#include <algorithm>

#include <gtest/gtest.h>

using namespace strata::tools::probe;

namespace {
std::vector<std::string> codes(const std::vector<Finding>& f) {
  std::vector<std::string> c;
  for (auto& x : f) c.push_back(x.code);
  return c;
}
PhaseTimes fast() {
  PhaseTimes t;
  t.dns_ms = 1;
  t.connect_ms = 0.2;
  t.tls_ms = 2;
  t.wait_ms = 1;
  t.transfer_ms = 0.5;
  t.status = 200;
  return t;
}
using V = std::vector<std::string>;
}  // namespace

TEST(ProbeDiagnosis, FastRequestIsOk) {
  EXPECT_EQ(codes(diagnose(fast(), {})), V{"ok"});
}

TEST(ProbeDiagnosis, NetworkPhasesOverThresholds) {
  auto t = fast();
  t.dns_ms = 150;
  EXPECT_EQ(codes(diagnose(t, {})), V{"slow_dns"});
  t = fast();
  t.connect_ms = 250;
  t.wait_ms = 260;  // one RTT: not the server
  EXPECT_EQ(codes(diagnose(t, {})), V{"slow_connect"});
  t = fast();
  t.tls_ms = 600;
  EXPECT_EQ(codes(diagnose(t, {})), V{"slow_tls"});
  t = fast();
  t.transfer_ms = 900;
  EXPECT_EQ(codes(diagnose(t, {})), V{"slow_transfer"});
}

TEST(ProbeDiagnosis, ServerProcessingWhenConnectFastAndFirstByteLate) {
  auto t = fast();
  t.wait_ms = 300;
  auto f = diagnose(t, {});
  ASSERT_EQ(codes(f), V{"server_processing"});
  EXPECT_EQ(f[0].where, "application");
  // Just under: 150 ms of RTT + 199 ms server is not flagged with a slow-ish link.
  t.connect_ms = 150;
  t.wait_ms = 349;
  EXPECT_EQ(codes(diagnose(t, {})), V{"ok"});
  // A slow connect means the late byte may be the network: not attributed.
  t.connect_ms = 300;
  t.wait_ms = 900;
  EXPECT_EQ(codes(diagnose(t, {})), V{"slow_connect"});
}

TEST(ProbeDiagnosis, ThresholdsAreConfigurable) {
  auto t = fast();
  t.wait_ms = 60;
  Thresholds th;
  th.server_processing_ms = 50;
  EXPECT_EQ(codes(diagnose(t, th)), V{"server_processing"});
  th.slow_dns_ms = 0.5;
  EXPECT_EQ(codes(diagnose(t, th)), (V{"slow_dns", "server_processing"}));
}

TEST(ProbeDiagnosis, ServerErrorsAndNoResponse) {
  auto t = fast();
  t.status = 503;
  EXPECT_EQ(codes(diagnose(t, {})), V{"server_error"});
  t.status = 0;
  EXPECT_EQ(codes(diagnose(t, {})), V{"no_response"});
}

TEST(ProbeDiagnosis, QuicUsesTheMeasuredRttInsteadOfConnect) {
  // HTTP/3: no TCP connect (0); the QUIC RTT is the network share of the wait.
  auto t = fast();
  t.connect_ms = 0;
  t.rtt_ms = 150;
  t.wait_ms = 349;  // 150 RTT + 199 server: under the 200 ms threshold
  EXPECT_EQ(codes(diagnose(t, {})), V{"ok"});
  t.wait_ms = 400;  // 250 ms of server
  auto f = diagnose(t, {});
  ASSERT_EQ(codes(f), V{"server_processing"});
  EXPECT_NE(f[0].message.find("QUIC RTT"), std::string::npos) << f[0].message;
  // A slow path (RTT over the connect threshold) is not blamed on the server.
  t.rtt_ms = 300;
  t.wait_ms = 900;
  EXPECT_EQ(codes(diagnose(t, {})), V{"ok"});
}
