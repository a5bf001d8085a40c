#include "tools/plan/wire_model.hpp"

#include <gtest/gtest.h>

using namespace strata::tools::plan;

namespace {
HeaderCost head(std::size_t first, std::size_t steady) { return {first, steady, 0}; }
}  // namespace

TEST(PlanWire, H2SmallMessage) {
  auto m = message_cost(Proto::h2, head(30, 20), 2048, 1500, 0);
  EXPECT_EQ(m.framing, 18);          // HEADERS 9 + one DATA 9
  EXPECT_EQ(m.app, 2086);            // 20 + 2048 + 18
  EXPECT_EQ(m.tls, 22);              // one record
  EXPECT_EQ(m.packets, 2);           // ceil(2108 / 1448)
  EXPECT_EQ(m.packet_headers, 104);  // 2 x 52
  EXPECT_EQ(m.wire, 2212);
  EXPECT_EQ(m.ack_packets, 1);
  EXPECT_EQ(m.ack_bytes, 52);
  EXPECT_EQ(m.head_first, 30);
}

TEST(PlanWire, H2LargeMessageSplitsFramesRecordsAndPackets) {
  auto m = message_cost(Proto::h2, head(20, 20), 40000, 1500, 0);
  EXPECT_EQ(m.framing, 36);          // 9 + 3 DATA frames x 9
  EXPECT_EQ(m.app, 40056);
  EXPECT_EQ(m.tls, 66);              // 3 records x 22
  EXPECT_EQ(m.packets, 28);          // ceil(40122 / 1448)
  EXPECT_EQ(m.wire, 40056 + 66 + 28 * 52);
  EXPECT_EQ(m.ack_bytes, 14 * 52);
}

TEST(PlanWire, H3Message) {
  auto m = message_cost(Proto::h3, head(20, 20), 8192, 1500, 0);
  EXPECT_EQ(m.framing, 5);           // HEADERS type 1 + len 1; DATA type 1 + len 2
  EXPECT_EQ(m.app, 8217);
  EXPECT_EQ(m.tls, 0);
  EXPECT_EQ(m.packets, 6);           // ceil(8217 / (1452 - 21 - 16 - 7))
  EXPECT_EQ(m.packet_headers, 6 * 72);  // 28 + 21 + 16 + 7
  EXPECT_EQ(m.ack_bytes, 3 * 71);    // 28 + 21 + 6 + 16
}

TEST(PlanWire, H1MessageWithLinkOverhead) {
  auto m = message_cost(Proto::h1, head(100, 100), 1000, 1500, 38);
  EXPECT_EQ(m.framing, 0);
  EXPECT_EQ(m.wire, 1100 + 22 + 52 + 38);
  EXPECT_EQ(m.ack_bytes, 52 + 38);
}

TEST(PlanWire, QuicVarints) {
  EXPECT_EQ(quic_varint_len(63), 1);
  EXPECT_EQ(quic_varint_len(64), 2);
  EXPECT_EQ(quic_varint_len(16383), 2);
  EXPECT_EQ(quic_varint_len(16384), 4);
}

TEST(PlanWire, KeepaliveProbes) {
  auto h1 = keepalive_cost(Proto::h1, 0);
  EXPECT_EQ(h1.to_server_bytes, 52);
  EXPECT_EQ(h1.to_client_bytes, 52);
  auto h2 = keepalive_cost(Proto::h2, 0);
  EXPECT_EQ(h2.to_client_bytes, 17 + 22 + 52);        // PING ACK in a record
  EXPECT_EQ(h2.to_server_bytes, 17 + 22 + 52 + 52);  // PING + TCP ACK of the reply
  EXPECT_EQ(h2.packets, 3);
  auto h3 = keepalive_cost(Proto::h3, 0);
  EXPECT_EQ(h3.to_server_bytes, 28 + 21 + 2 + 16);
  EXPECT_EQ(h3.to_client_bytes, 28 + 21 + 6 + 16);
}

// The source's "1M connections x 30 s = 33K packets/s" is 1M / 30 s probes,
// twice that in packets with the replies.
TEST(PlanWire, MillionConnectionsEveryThirtySeconds) {
  PlanInputs in;
  in.users = 1'000'000;
  in.rps_per_user = 0;
  in.proto = Proto::h3;
  auto r = compute_plan(in);
  EXPECT_NEAR(r.keepalive_pps, 66'666.67, 0.01);
  EXPECT_NEAR(r.keepalive_in_bps, 1e6 / 30 * 67 * 8, 1e-3);
  EXPECT_EQ(r.in_bps, r.keepalive_in_bps);
}

TEST(PlanWire, TotalsFromTheParts) {
  PlanInputs in;
  in.users = 1000;
  in.rps_per_user = 2;
  in.proto = Proto::h2;
  in.memory_per_connection = 10'000;
  in.cpu_us_per_request = 20;
  in.headroom = 2;
  auto r = compute_plan(in);
  EXPECT_EQ(r.rps, 2000);
  const double ka_in = 1000.0 / 30 * (17 + 22 + 52 + 52) * 8;
  const double ka_out = 1000.0 / 30 * (17 + 22 + 52) * 8;
  EXPECT_NEAR(r.in_bps, 2000 * (r.request.wire + r.response.ack_bytes) * 8 + ka_in, 1e-6);
  EXPECT_NEAR(r.out_bps, 2000 * (r.response.wire + r.request.ack_bytes) * 8 + ka_out, 1e-6);
  EXPECT_GT(r.out_bps, r.in_bps);
  EXPECT_NEAR(r.link_mbps, r.out_bps * 2 / 1e6, 1e-9);
  EXPECT_EQ(r.memory_bytes, 1e7);
  EXPECT_EQ(r.memory_recommended, 2e7);
  EXPECT_NEAR(r.cpu_cores, 0.04, 1e-12);  // 2000 x 20 us
  EXPECT_NEAR(r.cores_recommended, 0.08, 1e-12);
  EXPECT_NEAR(r.payload_bps, 2000 * (2048 + 8192) * 8, 1e-6);
}

// The corrected figure for the source's example is far below its formula
// (state is not traffic) and above its bodies-only figure (headers, packets).
TEST(PlanWire, SourceExampleCorrected) {
  PlanInputs in;  // defaults: the source's example on h3
  auto r = compute_plan(in);
  EXPECT_GT(r.out_bps, 50'000.0 * 8192 * 8);
  EXPECT_LT(r.overhead_fraction, 0.15);
  EXPECT_GT(r.overhead_fraction, 0.03);
  EXPECT_LT(r.link_mbps, 8569.34);
}
