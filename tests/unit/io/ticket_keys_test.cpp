#include "io/ticket_keys.hpp"

#include <gtest/gtest.h>

namespace strata::io {
namespace {

using namespace std::chrono_literals;

TEST(TicketKeyRing, CurrentKeyIsStableWithinARotation) {
  core::FakeClock clock;
  TicketKeyRing ring(1h, clock);
  auto k1 = ring.current();
  clock.advance(59min);
  auto k2 = ring.current();
  EXPECT_EQ(k1.name, k2.name);
  EXPECT_EQ(k1.aes, k2.aes);
  EXPECT_EQ(ring.size(), 1u);
}

TEST(TicketKeyRing, RotatesAndOldKeysDecryptForTwoRotations) {
  core::FakeClock clock;
  TicketKeyRing ring(1h, clock);
  auto k1 = ring.current();
  auto f = ring.find(k1.name);
  ASSERT_TRUE(f);
  EXPECT_TRUE(f->current);

  clock.advance(1h);  // k1 retired at t=1h
  auto k2 = ring.current();
  EXPECT_NE(k1.name, k2.name);
  f = ring.find(k1.name);
  ASSERT_TRUE(f);
  EXPECT_FALSE(f->current);  // decrypts, asks for renewal
  EXPECT_EQ(f->key.hmac, k1.hmac);
  EXPECT_TRUE(ring.find(k2.name)->current);

  clock.advance(1h);  // k2 retired at t=2h
  auto k3 = ring.current();
  EXPECT_EQ(ring.size(), 3u);
  EXPECT_TRUE(ring.find(k1.name));

  clock.advance(59min);  // t=2h59: k1 retired 1h59 ago, still inside two rotations
  EXPECT_TRUE(ring.find(k1.name));
  clock.advance(1min);  // t=3h: k1 retired 2h ago -> gone; k3 retired now
  EXPECT_FALSE(ring.find(k1.name));
  EXPECT_TRUE(ring.find(k2.name));
  EXPECT_TRUE(ring.find(k3.name));
  EXPECT_LE(ring.size(), 3u);
}

TEST(TicketKeyRing, LongIdleDropsEverythingOld) {
  core::FakeClock clock;
  TicketKeyRing ring(1h, clock);
  auto k1 = ring.current();
  clock.advance(1h);
  auto k2 = ring.current();
  clock.advance(10h);  // k2 replaced at t=11h, k1 retired at t=1h
  auto k3 = ring.current();
  EXPECT_FALSE(ring.find(k1.name));
  EXPECT_TRUE(ring.find(k2.name));  // just replaced: still decrypts
  EXPECT_TRUE(ring.find(k3.name)->current);
  EXPECT_EQ(ring.size(), 2u);
}

TEST(TicketKeyRing, UnknownNameNotFound) {
  core::FakeClock clock;
  TicketKeyRing ring(1h, clock);
  ring.current();
  std::array<unsigned char, 16> other{};
  EXPECT_FALSE(ring.find(other));
}

TEST(TicketKeyRing, ProcessWideIsSharedPerRotation) {
  auto a = TicketKeyRing::process_wide(7h);
  auto b = TicketKeyRing::process_wide(7h);
  auto c = TicketKeyRing::process_wide(8h);
  EXPECT_EQ(a.get(), b.get());
  EXPECT_NE(a.get(), c.get());
}

}  // namespace
}  // namespace strata::io
