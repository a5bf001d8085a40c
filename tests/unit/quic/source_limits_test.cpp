#include "quic/source_limits.hpp"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>

#include <string>
#include <thread>
#include <vector>

using namespace std::chrono_literals;
using strata::core::FakeClock;
using strata::quic::SourceLimits;
using strata::quic::SourceLimitsConfig;
using V = strata::quic::SourceLimits::Verdict;

namespace {

// A sockaddr_storage holding `ip` (IPv4 or IPv6 text).
struct Addr {
  sockaddr_storage ss{};
  explicit Addr(const std::string& ip, std::uint16_t port = 4433) {
    if (ip.find(':') == std::string::npos) {
      auto* a = reinterpret_cast<sockaddr_in*>(&ss);
      a->sin_family = AF_INET;
      a->sin_port = htons(port);
      inet_pton(AF_INET, ip.c_str(), &a->sin_addr);
    } else {
      auto* a = reinterpret_cast<sockaddr_in6*>(&ss);
      a->sin6_family = AF_INET6;
      a->sin6_port = htons(port);
      inet_pton(AF_INET6, ip.c_str(), &a->sin6_addr);
    }
  }
  const sockaddr* sa() const { return reinterpret_cast<const sockaddr*>(&ss); }
};

std::string key(const std::string& ip, std::uint8_t v4 = 24, std::uint8_t v6 = 64) {
  return SourceLimits::prefix_key(Addr(ip).sa(), v4, v6);
}

SourceLimitsConfig unlimited_rate() {
  SourceLimitsConfig c;
  c.handshakes_per_second = 0;
  return c;
}

}  // namespace

TEST(QuicSourceLimits, PrefixKeys) {
  EXPECT_EQ(key("10.1.2.3"), "10.1.2.0/24");
  EXPECT_EQ(key("10.1.2.3", 16), "10.1.0.0/16");
  EXPECT_EQ(key("10.1.2.3", 32), "10.1.2.3/32");
  EXPECT_EQ(key("10.1.2.3", 40), "10.1.2.3/32");  // clamped
  EXPECT_EQ(key("10.1.2.3", 0), "0.0.0.0/0");
  EXPECT_EQ(key("10.1.2.3", 20), "10.1.0.0/20");
  EXPECT_EQ(key("2001:db8:1:2:3:4:5:6"), "2001:db8:1:2::/64");
  EXPECT_EQ(key("2001:db8::1"), "2001:db8::/64");
  EXPECT_EQ(key("2001:db8:1:f2ff::1", 24, 52), "2001:db8:1:f000::/52");
  EXPECT_EQ(key("2001:db8:1:2ff::1", 24, 52), "2001:db8:1::/52");
  EXPECT_EQ(key("2001:db8::1", 24, 200), "2001:db8::1/128");
  EXPECT_EQ(key("::ffff:10.1.2.3"), "10.1.2.0/24");
  EXPECT_EQ(SourceLimits::prefix_key(nullptr, 24, 64), "other");
}

TEST(QuicSourceLimits, Ipv4Slash24Aggregation) {
  FakeClock clock;
  auto cfg = unlimited_rate();
  cfg.max_connections_per_source = 2;
  SourceLimits lim(cfg, clock);
  EXPECT_EQ(lim.admit(Addr("10.0.0.1").sa()), V::ok);
  EXPECT_EQ(lim.admit(Addr("10.0.0.200").sa()), V::ok);
  EXPECT_EQ(lim.connections(Addr("10.0.0.77").sa()), 2u);
  EXPECT_EQ(lim.admit(Addr("10.0.0.2").sa()), V::too_many_connections);
  EXPECT_EQ(lim.admit(Addr("10.0.1.1").sa()), V::ok);  // another /24
  EXPECT_EQ(lim.connections(Addr("10.0.1.1").sa()), 1u);
  EXPECT_EQ(lim.tracked(), 2u);
}

TEST(QuicSourceLimits, Ipv6Slash64AndV4Mapped) {
  FakeClock clock;
  auto cfg = unlimited_rate();
  cfg.max_connections_per_source = 1;
  SourceLimits lim(cfg, clock);
  EXPECT_EQ(lim.admit(Addr("2001:db8:0:1::1").sa()), V::ok);
  EXPECT_EQ(lim.admit(Addr("2001:db8:0:1:ffff::9").sa()), V::too_many_connections);
  EXPECT_EQ(lim.admit(Addr("2001:db8:0:2::1").sa()), V::ok);
  // IPv4-mapped IPv6 counts as IPv4: shares the /24 with plain IPv4.
  EXPECT_EQ(lim.admit(Addr("192.0.2.1").sa()), V::ok);
  EXPECT_EQ(lim.admit(Addr("::ffff:192.0.2.99").sa()), V::too_many_connections);
  EXPECT_EQ(lim.tracked(), 3u);
}

TEST(QuicSourceLimits, ConnectionCapReleasedByClosed) {
  FakeClock clock;
  auto cfg = unlimited_rate();
  cfg.max_connections_per_source = 3;
  SourceLimits lim(cfg, clock);
  const Addr a("10.0.0.1");
  for (int i = 0; i < 3; ++i) EXPECT_EQ(lim.admit(a.sa()), V::ok);
  EXPECT_EQ(lim.admit(a.sa()), V::too_many_connections);
  EXPECT_EQ(lim.connections(a.sa()), 3u);
  lim.closed(Addr("10.0.0.9").sa());  // same /24
  EXPECT_EQ(lim.connections(a.sa()), 2u);
  EXPECT_EQ(lim.admit(a.sa()), V::ok);
  for (int i = 0; i < 5; ++i) lim.closed(a.sa());  // extra closes never underflow
  EXPECT_EQ(lim.connections(a.sa()), 0u);
  lim.closed(Addr("172.16.0.1").sa());  // unknown source: ignored
  EXPECT_EQ(lim.tracked(), 1u);
}

TEST(QuicSourceLimits, ZeroMeansUnlimitedConnections) {
  FakeClock clock;
  auto cfg = unlimited_rate();
  cfg.max_connections_per_source = 0;
  SourceLimits lim(cfg, clock);
  for (int i = 0; i < 1000; ++i) ASSERT_EQ(lim.admit(Addr("10.0.0.1").sa()), V::ok);
  EXPECT_EQ(lim.connections(Addr("10.0.0.1").sa()), 1000u);
}

TEST(QuicSourceLimits, HandshakeBucketBurstAndRefill) {
  FakeClock clock;
  SourceLimitsConfig cfg;
  cfg.max_connections_per_source = 0;
  cfg.handshakes_per_second = 10;
  cfg.handshake_burst = 5;
  SourceLimits lim(cfg, clock);
  const Addr a("10.0.0.1");
  for (int i = 0; i < 5; ++i) EXPECT_EQ(lim.admit(a.sa()), V::ok) << i;
  EXPECT_EQ(lim.admit(a.sa()), V::handshake_rate);
  EXPECT_EQ(lim.admit(Addr("10.0.9.1").sa()), V::ok);  // other prefix has its own bucket
  clock.advance(99ms);  // 0.99 tokens
  EXPECT_EQ(lim.admit(a.sa()), V::handshake_rate);
  clock.advance(1ms);  // 1 token
  EXPECT_EQ(lim.admit(a.sa()), V::ok);
  EXPECT_EQ(lim.admit(a.sa()), V::handshake_rate);
  clock.advance(10s);  // refills to the burst, not beyond
  for (int i = 0; i < 5; ++i) EXPECT_EQ(lim.admit(a.sa()), V::ok) << i;
  EXPECT_EQ(lim.admit(a.sa()), V::handshake_rate);
  // Denied admits counted no connection.
  EXPECT_EQ(lim.connections(a.sa()), 11u);
}

TEST(QuicSourceLimits, EvictsLeastRecentlyUsedIdleSource) {
  FakeClock clock;
  auto cfg = unlimited_rate();
  cfg.max_tracked_sources = 2;
  SourceLimits lim(cfg, clock);
  const Addr a("10.0.1.1"), b("10.0.2.1"), c("10.0.3.1"), d("10.0.4.1");
  ASSERT_EQ(lim.admit(a.sa()), V::ok);
  ASSERT_EQ(lim.admit(b.sa()), V::ok);
  lim.closed(b.sa());  // b idle first
  lim.closed(a.sa());  // then a
  EXPECT_EQ(lim.admit(c.sa()), V::ok);  // evicts b (least recently idle)
  EXPECT_EQ(lim.tracked(), 2u);
  EXPECT_EQ(lim.admit(a.sa()), V::ok);  // a still tracked: no eviction needed
  EXPECT_EQ(lim.connections(a.sa()), 1u);
  EXPECT_EQ(lim.tracked(), 2u);
  // Now a and c both have open connections: nothing evictable.
  EXPECT_EQ(lim.admit(d.sa()), V::tracked_full);
  EXPECT_EQ(lim.tracked(), 2u);
  lim.closed(c.sa());
  EXPECT_EQ(lim.admit(d.sa()), V::ok);  // evicts idle c
  EXPECT_EQ(lim.connections(c.sa()), 0u);
  EXPECT_EQ(lim.connections(a.sa()), 1u);
  EXPECT_EQ(lim.tracked(), 2u);
}

TEST(QuicSourceLimits, DeniedAdmitRefreshesIdleRecency) {
  FakeClock clock;
  SourceLimitsConfig cfg;
  cfg.max_connections_per_source = 0;
  cfg.handshakes_per_second = 1;
  cfg.handshake_burst = 1;
  cfg.max_tracked_sources = 2;
  SourceLimits lim(cfg, clock);
  const Addr a("10.0.1.1"), b("10.0.2.1"), c("10.0.3.1");
  ASSERT_EQ(lim.admit(a.sa()), V::ok);
  ASSERT_EQ(lim.admit(b.sa()), V::ok);
  lim.closed(a.sa());
  lim.closed(b.sa());
  EXPECT_EQ(lim.admit(a.sa()), V::handshake_rate);  // a touched: b is now the oldest idle
  EXPECT_EQ(lim.admit(c.sa()), V::ok);              // evicts b, keeps a's empty bucket
  EXPECT_EQ(lim.admit(a.sa()), V::handshake_rate);  // a's rate limit survived
}

TEST(QuicSourceLimits, TrackedFullFailsClosed) {
  FakeClock clock;
  auto cfg = unlimited_rate();
  cfg.max_tracked_sources = 3;
  SourceLimits lim(cfg, clock);
  for (int i = 1; i <= 3; ++i) {
    ASSERT_EQ(lim.admit(Addr("10.0." + std::to_string(i) + ".1").sa()), V::ok);
  }
  for (int i = 4; i <= 50; ++i) {
    EXPECT_EQ(lim.admit(Addr("10.0." + std::to_string(i) + ".1").sa()), V::tracked_full);
  }
  EXPECT_EQ(lim.tracked(), 3u);
  EXPECT_EQ(lim.admit(Addr("10.0.2.9").sa()), V::ok);  // tracked sources still admitted
}

TEST(QuicSourceLimits, ReconfigureAppliesNewLimits) {
  FakeClock clock;
  SourceLimitsConfig cfg;
  cfg.max_connections_per_source = 10;
  cfg.handshakes_per_second = 0;
  SourceLimits lim(cfg, clock);
  const Addr a("10.0.0.1");
  for (int i = 0; i < 4; ++i) ASSERT_EQ(lim.admit(a.sa()), V::ok);
  cfg.max_connections_per_source = 4;
  cfg.handshakes_per_second = 1;
  cfg.handshake_burst = 2;
  lim.reconfigure(cfg);
  EXPECT_EQ(lim.connections(a.sa()), 4u);  // same prefixes: counts kept
  EXPECT_EQ(lim.admit(a.sa()), V::too_many_connections);
  lim.closed(a.sa());
  EXPECT_EQ(lim.admit(a.sa()), V::ok);  // burst clamped to 2
  lim.closed(a.sa());
  EXPECT_EQ(lim.admit(a.sa()), V::ok);
  lim.closed(a.sa());
  EXPECT_EQ(lim.admit(a.sa()), V::handshake_rate);

  // Shrinking max_tracked_sources forgets idle prefixes beyond it.
  ASSERT_EQ(lim.admit(Addr("10.0.1.1").sa()), V::ok);
  lim.closed(Addr("10.0.1.1").sa());
  EXPECT_EQ(lim.tracked(), 2u);
  cfg.max_tracked_sources = 1;
  lim.reconfigure(cfg);
  EXPECT_EQ(lim.tracked(), 1u);
  EXPECT_EQ(lim.connections(a.sa()), 3u);

  // A prefix-length change forgets everything (keys change shape).
  cfg.ipv4_prefix = 16;
  lim.reconfigure(cfg);
  EXPECT_EQ(lim.tracked(), 0u);
  lim.closed(a.sa());  // connection from before the change: ignored
  EXPECT_EQ(lim.connections(a.sa()), 0u);
  EXPECT_EQ(lim.admit(Addr("10.0.77.1").sa()), V::ok);
  EXPECT_EQ(lim.connections(Addr("10.0.200.1").sa()), 1u);  // same /16
}

TEST(QuicSourceLimits, ConcurrentAdmitAndCloseBalance) {
  FakeClock clock;
  auto cfg = unlimited_rate();
  cfg.max_connections_per_source = 0;
  cfg.max_tracked_sources = 8;
  SourceLimits lim(cfg, clock);
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&lim, t] {
      for (int i = 0; i < 2000; ++i) {
        const Addr a("10.0." + std::to_string((t * 7 + i) % 16) + ".1");
        if (lim.admit(a.sa()) == V::ok) lim.closed(a.sa());
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_LE(lim.tracked(), 8u);
  for (int p = 0; p < 16; ++p) {
    EXPECT_EQ(lim.connections(Addr("10.0." + std::to_string(p) + ".1").sa()), 0u);
  }
}
