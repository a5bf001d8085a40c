// io/udp over real loopback sockets: a GSO send arrives as the same
// datagrams whether the receiver coalesces (UDP_GRO) or not.
#include <gtest/gtest.h>

#include <poll.h>
#include <unistd.h>

#include <cstdint>
#include <vector>

#include "io/udp.hpp"

using namespace strata::io;

namespace {

struct Pair {
  int tx = -1, rx = -1;
  sockaddr_storage to{};
  socklen_t to_len = 0;
  Pair() {
    auto ep = boost::asio::ip::udp::endpoint(boost::asio::ip::make_address("127.0.0.1"), 0);
    rx = open_reuseport_udp(ep, 1).at(0);
    tx = open_reuseport_udp(ep, 1).at(0);
    to_len = sizeof to;
    ::getsockname(rx, reinterpret_cast<sockaddr*>(&to), &to_len);
  }
  ~Pair() {
    ::close(tx);
    ::close(rx);
  }
};

std::vector<std::uint8_t> pattern(std::size_t n) {
  std::vector<std::uint8_t> v(n);
  for (std::size_t i = 0; i < n; ++i) v[i] = std::uint8_t(i * 7 + i / 251);
  return v;
}

// Receives until `want` datagrams arrived or 2 s passed; returns their bytes
// in order and their sizes.
std::vector<std::vector<std::uint8_t>> drain(int fd, RecvBatch& batch, std::size_t want) {
  std::vector<std::vector<std::uint8_t>> out;
  for (int i = 0; i < 200 && out.size() < want; ++i) {
    pollfd p{fd, POLLIN, 0};
    ::poll(&p, 1, 10);
    int err = 0;
    for (auto& d : batch.receive(fd, &err)) out.emplace_back(d.data.begin(), d.data.end());
    EXPECT_EQ(err, 0);
  }
  return out;
}

void expect_segments(const std::vector<std::vector<std::uint8_t>>& got,
                     const std::vector<std::uint8_t>& sent, std::size_t segment) {
  std::size_t off = 0;
  for (const auto& g : got) {
    ASSERT_LT(off, sent.size());
    ASSERT_EQ(g.size(), std::min(segment, sent.size() - off));
    EXPECT_TRUE(std::equal(g.begin(), g.end(), sent.begin() + long(off)));
    off += g.size();
  }
  EXPECT_EQ(off, sent.size());
}

void gso_round_trip(bool gro) {
  Pair p;
  if (gro) {
    ASSERT_TRUE(enable_udp_gro(p.rx));
  }
  RecvBatch batch(8, gro ? kGroBufferSize : 4096);
  const std::size_t segment = 1200;
  auto data = pattern(segment * 20 + 500);  // 20 full datagrams and a short last one
  bool gso = true;
  std::size_t sent = 0;
  ASSERT_EQ(send_datagrams(p.tx, reinterpret_cast<sockaddr*>(&p.to), p.to_len, data.data(),
                           data.size(), segment, 0, gso, &sent),
            SendResult::ok);
  EXPECT_EQ(sent, data.size());
  auto got = drain(p.rx, batch, 21);
  ASSERT_EQ(got.size(), 21u);
  expect_segments(got, data, segment);
}

}  // namespace

TEST(Udp, GsoSendArrivesAsSeparateDatagramsWithoutGro) { gso_round_trip(false); }

TEST(Udp, GroCoalescedReadIsSplitBackIntoDatagrams) { gso_round_trip(true); }

TEST(Udp, GroKeepsDatagramsOfDifferentSizesApart) {
  Pair p;
  ASSERT_TRUE(enable_udp_gro(p.rx));
  RecvBatch batch(8, kGroBufferSize);
  bool gso = true;
  std::size_t sent = 0;
  auto a = pattern(1300), b = pattern(40);
  for (auto* v : {&a, &b, &a}) {
    ASSERT_EQ(send_datagrams(p.tx, reinterpret_cast<sockaddr*>(&p.to), p.to_len, v->data(),
                             v->size(), v->size(), 0, gso, &sent),
              SendResult::ok);
  }
  auto got = drain(p.rx, batch, 3);
  ASSERT_EQ(got.size(), 3u);
  EXPECT_EQ(got[0], a);
  EXPECT_EQ(got[1], b);
  EXPECT_EQ(got[2], a);
}

TEST(Udp, EmptyDatagramIsOneEmptyDatagram) {
  Pair p;
  ASSERT_TRUE(enable_udp_gro(p.rx));
  RecvBatch batch(4, kGroBufferSize);
  ASSERT_EQ(::sendto(p.tx, "", 0, 0, reinterpret_cast<sockaddr*>(&p.to), p.to_len), 0);
  auto got = drain(p.rx, batch, 1);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_TRUE(got[0].empty());
}

TEST(Udp, SendmmsgFallbackCarriesTheSameDatagrams) {
  Pair p;
  RecvBatch batch(32, 4096);
  auto data = pattern(1000 * 5 + 1);
  bool gso = false;  // as after a kernel refused UDP_SEGMENT
  std::size_t sent = 0;
  ASSERT_EQ(send_datagrams(p.tx, reinterpret_cast<sockaddr*>(&p.to), p.to_len, data.data(),
                           data.size(), 1000, 0, gso, &sent),
            SendResult::ok);
  auto got = drain(p.rx, batch, 6);
  ASSERT_EQ(got.size(), 6u);
  expect_segments(got, data, 1000);
}

TEST(Udp, SeveralCoalescedReadsInOneBatchKeepTheirSenders) {
  // Two GSO sends of different segment sizes from two sockets: recvmmsg
  // returns two coalesced reads, each split into more datagrams than the
  // batch has slots; every datagram keeps its own sender and bytes.
  Pair p;
  Pair other;  // only its tx socket is used, as a second sender
  ASSERT_TRUE(enable_udp_gro(p.rx));
  RecvBatch batch(4, kGroBufferSize);
  auto a = pattern(1200 * 20), b = pattern(1000 * 20);
  bool gso = true;
  std::size_t sent = 0;
  ASSERT_EQ(send_datagrams(p.tx, reinterpret_cast<sockaddr*>(&p.to), p.to_len, a.data(), a.size(),
                           1200, 0, gso, &sent),
            SendResult::ok);
  ASSERT_EQ(send_datagrams(other.tx, reinterpret_cast<sockaddr*>(&p.to), p.to_len, b.data(),
                           b.size(), 1000, 0, gso, &sent),
            SendResult::ok);
  sockaddr_in from_a{}, from_b{};
  socklen_t la = sizeof from_a, lb = sizeof from_b;
  ::getsockname(p.tx, reinterpret_cast<sockaddr*>(&from_a), &la);
  ::getsockname(other.tx, reinterpret_cast<sockaddr*>(&from_b), &lb);
  std::size_t got_a = 0, got_b = 0;
  for (int i = 0; i < 200 && got_a + got_b < 40; ++i) {
    pollfd pf{p.rx, POLLIN, 0};
    ::poll(&pf, 1, 10);
    int err = 0;
    for (auto& d : batch.receive(p.rx, &err)) {
      const auto port = reinterpret_cast<const sockaddr_in*>(&d.remote)->sin_port;
      if (port == from_a.sin_port) {
        EXPECT_EQ(d.data.size(), 1200u);
        ++got_a;
      } else {
        EXPECT_EQ(port, from_b.sin_port);
        EXPECT_EQ(d.data.size(), 1000u);
        ++got_b;
      }
    }
  }
  EXPECT_EQ(got_a, 20u);
  EXPECT_EQ(got_b, 20u);
}
