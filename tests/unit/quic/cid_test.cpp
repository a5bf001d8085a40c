#include "quic/cid.hpp"

#include <gtest/gtest.h>

#include <array>
#include <set>
#include <vector>

using strata::quic::cid_owner;
using strata::quic::kServerCidLen;
using strata::quic::make_server_cid;

TEST(QuicCid, EncodesWorkerInFirstByte) {
  std::array<std::uint8_t, kServerCidLen> cid{};
  for (unsigned w : {0u, 1u, 7u, 255u}) {
    ASSERT_TRUE(make_server_cid(cid.data(), w));
    EXPECT_EQ(cid[0], w);
    EXPECT_EQ(cid_owner(cid, 256), w);
  }
}

TEST(QuicCid, RejectsWorkerBeyondOneByte) {
  std::array<std::uint8_t, kServerCidLen> cid{};
  EXPECT_FALSE(make_server_cid(cid.data(), 256));
}

TEST(QuicCid, RandomTailDiffers) {
  std::set<std::array<std::uint8_t, kServerCidLen>> seen;
  for (int i = 0; i < 64; ++i) {
    std::array<std::uint8_t, kServerCidLen> cid{};
    ASSERT_TRUE(make_server_cid(cid.data(), 3));
    seen.insert(cid);
  }
  EXPECT_EQ(seen.size(), 64u);
}

TEST(QuicCid, OwnerRejectsWrongLengthAndUnknownWorker) {
  std::array<std::uint8_t, kServerCidLen> cid{};
  ASSERT_TRUE(make_server_cid(cid.data(), 4));
  EXPECT_EQ(cid_owner(cid, 5), 4u);
  EXPECT_EQ(cid_owner(cid, 4), std::nullopt);  // worker 4 does not exist with 4 workers
  EXPECT_EQ(cid_owner(std::span(cid).first(kServerCidLen - 1), 8), std::nullopt);
  std::vector<std::uint8_t> longer(cid.begin(), cid.end());
  longer.push_back(0);
  EXPECT_EQ(cid_owner(longer, 8), std::nullopt);
  EXPECT_EQ(cid_owner({}, 8), std::nullopt);
}
