#include "quic/secrets.hpp"

#include <gtest/gtest.h>

#include <array>

using strata::quic::kStatelessResetTokenLen;
using strata::quic::Secrets;
using strata::quic::stateless_reset_token;

namespace {
const std::array<std::uint8_t, 3> kSeedA{1, 2, 3};
const std::array<std::uint8_t, 3> kSeedB{1, 2, 4};
}  // namespace

TEST(QuicSecrets, ProcessSecretsAreStableAndNonZero) {
  const Secrets& a = Secrets::process();
  const Secrets& b = Secrets::process();
  EXPECT_EQ(&a, &b);
  EXPECT_NE(a.reset, (std::array<std::uint8_t, 32>{}));
  EXPECT_NE(a.token, (std::array<std::uint8_t, 32>{}));
  EXPECT_NE(a.reset, a.token);
}

TEST(QuicSecrets, FromSeedIsDeterministic) {
  const Secrets a1 = Secrets::from_seed(kSeedA);
  const Secrets a2 = Secrets::from_seed(kSeedA);
  const Secrets b = Secrets::from_seed(kSeedB);
  EXPECT_EQ(a1.reset, a2.reset);
  EXPECT_EQ(a1.token, a2.token);
  EXPECT_NE(a1.reset, b.reset);
  EXPECT_NE(a1.token, b.token);
  EXPECT_NE(a1.reset, a1.token);
}

TEST(QuicSecrets, ResetTokenDependsOnCidAndSecret) {
  const Secrets a = Secrets::from_seed(kSeedA);
  const Secrets b = Secrets::from_seed(kSeedB);
  const std::array<std::uint8_t, 8> cid1{1, 1, 1, 1, 1, 1, 1, 1};
  const std::array<std::uint8_t, 8> cid2{1, 1, 1, 1, 1, 1, 1, 2};
  std::array<std::uint8_t, kStatelessResetTokenLen> t1{}, t1again{}, t2{}, tb{};
  ASSERT_TRUE(stateless_reset_token(t1.data(), a, cid1));
  ASSERT_TRUE(stateless_reset_token(t1again.data(), a, cid1));
  ASSERT_TRUE(stateless_reset_token(t2.data(), a, cid2));
  ASSERT_TRUE(stateless_reset_token(tb.data(), b, cid1));
  EXPECT_EQ(t1, t1again);
  EXPECT_NE(t1, t2);
  EXPECT_NE(t1, tb);
}

TEST(QuicSecrets, ResetTokenRejectsOversizedCid) {
  const Secrets a = Secrets::from_seed(kSeedA);
  std::array<std::uint8_t, 21> cid{};
  std::array<std::uint8_t, kStatelessResetTokenLen> t{};
  EXPECT_FALSE(stateless_reset_token(t.data(), a, cid));
}
