// The parking store for idle plain-TCP HTTP/1.1 connections: a record per
// fd in a per-worker epoll set; readability resumes, the idle deadline (on
// the context's fake clock) and drain close, and io_context shutdown frees.
#include <gtest/gtest.h>

#include <algorithm>
#include <memory>
#include <string>
#include <vector>

#include <sys/socket.h>
#include <unistd.h>

#include <boost/asio/write.hpp>

#include "conn/http1_parked.hpp"
#include "obs/metrics.hpp"
#include "unit/support/fake_timers.hpp"
#include "unit/support/loopback.hpp"

namespace strata::conn {
namespace {

namespace asio = boost::asio;
using namespace std::chrono_literals;

class Ctx final : public ServerContext {
 public:
  std::shared_ptr<const Snapshot> snapshot() const override { return nullptr; }
  bool draining() const override { return draining_now; }
  void add(Connection* c) override { conns.push_back(c); }
  void remove(Connection* c) override { std::erase(conns, c); }
  void count_parked(std::int64_t d) override { parked += d; }
  const ConnTime& time() const override { return timers.time; }
  test::FakeTimers timers;
  std::vector<Connection*> conns;
  std::int64_t parked = 0;
  bool draining_now = false;
};

// What resume() saw (the function pointer cannot capture).
std::vector<ParkedHttp1>* g_resumed = nullptr;
void record_resume(const asio::any_io_executor&, ServerContext&, ParkedHttp1&& p) {
  g_resumed->push_back(std::move(p));
}

std::uint64_t idle_timeouts() {
  return obs::counter("strata_http1_timeouts_total", "", {{"kind", "idle"}}).value();
}

struct Http1Parked : ::testing::Test {
  Ctx ctx;
  std::vector<ParkedHttp1> resumed;
  std::unique_ptr<asio::io_context> io = std::make_unique<asio::io_context>();
  std::vector<asio::ip::tcp::socket> clients;
  int ended = 0;

  void SetUp() override { g_resumed = &resumed; }
  void TearDown() override {
    for (auto& p : resumed) ::close(p.fd);
    g_resumed = nullptr;
  }
  void settle() {
    for (int i = 0; i < 1000 && io->poll() > 0; ++i) {
    }
  }
  // Parks the server side of a new loopback pair; returns its index.
  std::size_t park(std::chrono::milliseconds idle, std::string peer = "127.0.0.1") {
    auto [s, c] = test::loopback_pair(*io);
    clients.push_back(std::move(c));
    clients.back().non_blocking(true);
    ParkedHttp1 p;
    p.fd = s.release();
    http::ConnInfo info;
    info.peer_ip = std::move(peer);
    EXPECT_TRUE(p.info.pack(info));
    p.keep = std::make_shared<int>(1);
    p.on_end = [this] { ++ended; };
    EXPECT_TRUE(park_http1(io->get_executor(), ctx, p, idle, &record_resume));
    return clients.size() - 1;
  }
  bool closed_by_server(std::size_t i) {
    char b[16];
    boost::system::error_code ec;
    clients[i].read_some(asio::buffer(b), ec);
    return ec == asio::error::eof;
  }
};

TEST_F(Http1Parked, ReadableFdResumesWithItsRecord) {
  park(60s, "10.0.0.1");
  settle();
  EXPECT_EQ(parked_http1_count(io->get_executor()), 1u);
  EXPECT_EQ(ctx.parked, 1);
  ASSERT_EQ(ctx.conns.size(), 1u);  // the group, registered for drain
  EXPECT_FALSE(ctx.conns.front()->counted());
  EXPECT_TRUE(resumed.empty());
  asio::write(clients[0], asio::buffer(std::string("GET / HTTP/1.1\r\n\r\n")));
  settle();
  ASSERT_EQ(resumed.size(), 1u);
  EXPECT_EQ(resumed[0].info.unpack().peer_ip, "10.0.0.1");
  EXPECT_NE(resumed[0].keep, nullptr);
  // The bytes are still in the socket for the resumed connection.
  char b[64];
  auto n = ::recv(resumed[0].fd, b, sizeof b, MSG_DONTWAIT);
  EXPECT_EQ(std::string(b, std::size_t(std::max<ssize_t>(n, 0))), "GET / HTTP/1.1\r\n\r\n");
  EXPECT_EQ(parked_http1_count(io->get_executor()), 0u);
  EXPECT_EQ(ctx.parked, 0);
  EXPECT_TRUE(ctx.conns.empty());  // the empty group is gone
  EXPECT_EQ(ended, 0);
}

TEST_F(Http1Parked, PeerCloseIsReadabilityToo) {
  park(60s);
  settle();
  clients[0].shutdown(asio::ip::tcp::socket::shutdown_send);
  settle();
  EXPECT_EQ(resumed.size(), 1u);  // the resumed connection reads the EOF and closes
}

TEST_F(Http1Parked, IdleDeadlineClosesOnTheFakeClock) {
  auto before = idle_timeouts();
  park(60s);
  ctx.timers.advance(30s);
  park(60s);  // parked 30 s later: expires 30 s later
  park(10s);  // another lane, earliest deadline
  settle();
  EXPECT_EQ(parked_http1_count(io->get_executor()), 3u);
  ctx.timers.advance(11s);  // t=41: the 10 s one
  settle();
  EXPECT_TRUE(closed_by_server(2));
  EXPECT_EQ(parked_http1_count(io->get_executor()), 2u);
  EXPECT_EQ(ended, 1);
  ctx.timers.advance(18s);  // t=59: nothing more
  settle();
  EXPECT_EQ(parked_http1_count(io->get_executor()), 2u);
  ctx.timers.advance(2s);  // t=61: the first
  settle();
  EXPECT_TRUE(closed_by_server(0));
  EXPECT_FALSE(closed_by_server(1));
  EXPECT_EQ(parked_http1_count(io->get_executor()), 1u);
  ctx.timers.advance(30s);
  settle();
  EXPECT_TRUE(closed_by_server(1));
  EXPECT_EQ(parked_http1_count(io->get_executor()), 0u);
  EXPECT_EQ(ended, 3);
  EXPECT_EQ(idle_timeouts(), before + 3);
  EXPECT_EQ(ctx.parked, 0);
  EXPECT_TRUE(ctx.conns.empty());
  EXPECT_TRUE(resumed.empty());
}

TEST_F(Http1Parked, DrainClosesEveryRecordOfTheContext) {
  for (int i = 0; i < 5; ++i) park(60s);
  settle();
  ASSERT_EQ(ctx.conns.size(), 1u);
  ctx.conns.front()->drain();
  settle();
  for (std::size_t i = 0; i < 5; ++i) EXPECT_TRUE(closed_by_server(i)) << i;
  EXPECT_EQ(ended, 5);
  EXPECT_TRUE(ctx.conns.empty());
  EXPECT_EQ(parked_http1_count(io->get_executor()), 0u);
}

TEST_F(Http1Parked, ParkingIntoADrainingContextClosesAtOnce) {
  ctx.draining_now = true;
  park(60s);
  settle();
  EXPECT_TRUE(closed_by_server(0));
  EXPECT_EQ(ended, 1);
  EXPECT_TRUE(ctx.conns.empty());
  EXPECT_EQ(ctx.parked, 0);
}

TEST_F(Http1Parked, ShutdownFreesRecords) {
  park(60s);
  park(60s);
  settle();
  std::vector<int> raw;
  for (auto& c : clients) raw.push_back(c.release());
  clients.clear();
  io.reset();  // the store's shutdown closes the fds and runs on_end
  EXPECT_EQ(ended, 2);
  EXPECT_TRUE(ctx.conns.empty());
  char b[4];
  for (int fd : raw) {
    EXPECT_EQ(::recv(fd, b, sizeof b, MSG_DONTWAIT), 0);  // EOF
    ::close(fd);
  }
}

// More records than one storage chunk (128): each resumes with its own
// record, slots freed in the middle are reused, and the last to leave
// empties the store.
TEST_F(Http1Parked, ManyRecordsAcrossChunksResumeWithTheirOwn) {
  constexpr int kN = 300;
  for (int i = 0; i < kN; ++i) park(60s, "10.0.1." + std::to_string(i));
  settle();
  EXPECT_EQ(parked_http1_count(io->get_executor()), std::size_t(kN));
  // Wake every third one; each must come back with its own peer address.
  for (int i = 0; i < kN; i += 3) asio::write(clients[std::size_t(i)], asio::buffer(std::string("x")));
  settle();
  ASSERT_EQ(resumed.size(), std::size_t((kN + 2) / 3));
  std::vector<std::string> peers;
  for (auto& p : resumed) peers.push_back(p.info.unpack().peer_ip);
  std::sort(peers.begin(), peers.end());
  std::vector<std::string> want;
  for (int i = 0; i < kN; i += 3) want.push_back("10.0.1." + std::to_string(i));
  std::sort(want.begin(), want.end());
  EXPECT_EQ(peers, want);
  // Park 50 more into the freed slots, then drain everything.
  for (int i = 0; i < 50; ++i) park(60s);
  settle();
  EXPECT_EQ(parked_http1_count(io->get_executor()), std::size_t(kN - (kN + 2) / 3 + 50));
  ctx.conns.front()->drain();
  settle();
  EXPECT_EQ(parked_http1_count(io->get_executor()), 0u);
  EXPECT_EQ(ended, kN - (kN + 2) / 3 + 50);
  EXPECT_EQ(ctx.parked, 0);
  // And the store works again after it emptied.
  park(60s, "10.0.2.1");
  settle();
  asio::write(clients.back(), asio::buffer(std::string("y")));
  settle();
  EXPECT_EQ(resumed.back().info.unpack().peer_ip, "10.0.2.1");
}

http::ConnInfo full_info(std::size_t subject_len) {
  http::ConnInfo i;
  i.peer_ip = "2001:db8::1";
  i.peer_port = 40000;
  i.local_ip = "::1";
  i.local_port = 8443;
  i.tls = true;
  i.sni = "api.example";
  i.alpn = "http/1.1";
  i.listener = "public";
  i.proxy_peer_ip = "10.1.2.3";
  i.client_cert_verified = true;
  i.client_cert_subject = std::string(subject_len, 'S');
  i.client_cert_san = "DNS:a.example";
  i.id = 0x1234567890ull;
  return i;
}

void expect_same(const http::ConnInfo& a, const http::ConnInfo& b) {
  EXPECT_EQ(a.peer_ip, b.peer_ip);
  EXPECT_EQ(a.peer_port, b.peer_port);
  EXPECT_EQ(a.local_ip, b.local_ip);
  EXPECT_EQ(a.local_port, b.local_port);
  EXPECT_EQ(a.tls, b.tls);
  EXPECT_EQ(a.sni, b.sni);
  EXPECT_EQ(a.alpn, b.alpn);
  EXPECT_EQ(a.listener, b.listener);
  EXPECT_EQ(a.proxy_peer_ip, b.proxy_peer_ip);
  EXPECT_EQ(a.client_cert_verified, b.client_cert_verified);
  EXPECT_EQ(a.client_cert_subject, b.client_cert_subject);
  EXPECT_EQ(a.client_cert_san, b.client_cert_san);
  EXPECT_EQ(a.id, b.id);
}

TEST(PackedConnInfo, RoundTripsEveryFieldInlineAndOnTheHeap) {
  http::ConnInfo small;
  small.peer_ip = "127.0.0.1";
  small.peer_port = 5;
  small.local_ip = "127.0.0.1";
  small.local_port = 80;
  small.listener = "main";
  small.id = 7;
  PackedConnInfo p;
  ASSERT_TRUE(p.pack(small));
  expect_same(p.unpack(), small);
  for (std::size_t n : {0u, 1u, 300u, 65535u}) {
    auto big = full_info(n);
    PackedConnInfo q;
    ASSERT_TRUE(q.pack(big)) << n;
    PackedConnInfo moved = std::move(q);  // what the store does with a record
    expect_same(moved.unpack(), big);
    expect_same(q.unpack(), http::ConnInfo{});  // the moved-from one is empty
  }
  // Re-packing a smaller one over a heap-packed record.
  PackedConnInfo r;
  ASSERT_TRUE(r.pack(full_info(300)));
  ASSERT_TRUE(r.pack(small));
  expect_same(r.unpack(), small);
}

TEST(PackedConnInfo, RefusesAFieldLongerThan65535Bytes) {
  PackedConnInfo p;
  EXPECT_FALSE(p.pack(full_info(65536)));
}

}  // namespace
}  // namespace strata::conn
