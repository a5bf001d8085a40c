// H1Pool's idle cap: at least max_idle, up to the recent peak of live
// connections (so a burst above max_idle does not churn), decaying after a
// window, bounded by hard_max.
#include "upstream/pool/h1_pool.hpp"

#include <gtest/gtest.h>

#include <thread>
#include <vector>

#include <boost/asio/io_context.hpp>

#include "obs/metrics.hpp"
#include "unit/support/loopback.hpp"

namespace strata::upstream::pool {
namespace {

using namespace std::chrono_literals;

struct Pair {
  std::unique_ptr<H1Conn> conn;
  boost::asio::ip::tcp::socket peer;
};

Pair make_conn(boost::asio::io_context& io, H1Pool& pool) {
  auto [server, client] = test::loopback_pair(io);
  auto c = std::make_unique<H1Conn>(io::make_tcp_transport(std::move(client)));
  c->lease = pool.lease();
  return Pair{std::move(c), std::move(server)};
}

TEST(H1Pool, KeepsIdleUpToTheRecentPeakAboveMaxIdle) {
  boost::asio::io_context io;
  core::FakeClock clock;
  auto& overflow = obs::counter("test_h1pool_overflow_total", "test", {{"case", "peak"}});
  const auto before = overflow.value();
  H1Pool pool(4, 60s, nullptr, 64, &overflow, clock);
  std::vector<Pair> burst;
  for (int i = 0; i < 20; ++i) burst.push_back(make_conn(io, pool));
  EXPECT_EQ(pool.live(), 20u);
  EXPECT_EQ(pool.idle_cap(), 20u);
  for (auto& p : burst) pool.put(std::move(p.conn));
  EXPECT_EQ(pool.idle(), 20u);  // a fixed cap of 4 would have closed 16
  EXPECT_EQ(overflow.value() - before, 0u);
  // The next burst reuses all of them: no new connection needed.
  std::vector<std::unique_ptr<H1Conn>> again;
  for (int i = 0; i < 20; ++i) {
    auto c = pool.take(false);
    ASSERT_NE(c, nullptr) << i;
    again.push_back(std::move(c));
  }
  EXPECT_EQ(pool.take(false), nullptr);
  for (auto& c : again) pool.put(std::move(c));
  EXPECT_EQ(pool.idle(), 20u);
  pool.close();
}

TEST(H1Pool, PeakDecaysAfterTheWindowAndClosesTheSurplus) {
  boost::asio::io_context io;
  core::FakeClock clock;
  auto& overflow = obs::counter("test_h1pool_overflow_total", "test", {{"case", "decay"}});
  const auto before = overflow.value();
  H1Pool pool(2, 10s, nullptr, 64, &overflow, clock);
  std::vector<Pair> burst;
  for (int i = 0; i < 10; ++i) burst.push_back(make_conn(io, pool));
  // Use falls to 3 connections; the rest are dropped by their users.
  for (int i = 3; i < 10; ++i) burst[i].conn.reset();
  EXPECT_EQ(pool.live(), 3u);
  EXPECT_EQ(pool.idle_cap(), 10u);  // still inside the window
  clock.advance(11s);
  EXPECT_EQ(pool.idle_cap(), 3u);   // restarted from the live count
  clock.advance(11s);
  for (int i = 0; i < 3; ++i) pool.put(std::move(burst[i].conn));
  // live is 3 when the window restarts: all three fit (max(2, 3)).
  EXPECT_EQ(pool.idle(), 3u);
  EXPECT_EQ(overflow.value() - before, 0u);
  // A new connection raises the peak again.
  auto extra = make_conn(io, pool);   // live 4, peak 4
  clock.advance(11s);                 // window over: peak restarts at 4 (3 idle + 1 busy)
  EXPECT_EQ(pool.idle_cap(), 4u);
  pool.put(std::move(extra.conn));
  EXPECT_EQ(pool.idle(), 4u);
  pool.close();
}

TEST(H1Pool, CapNeverExceedsHardMax) {
  boost::asio::io_context io;
  core::FakeClock clock;
  auto& overflow = obs::counter("test_h1pool_overflow_total", "test", {{"case", "hard"}});
  const auto before = overflow.value();
  H1Pool pool(2, 60s, nullptr, 5, &overflow, clock);
  std::vector<Pair> burst;
  for (int i = 0; i < 8; ++i) burst.push_back(make_conn(io, pool));
  EXPECT_EQ(pool.idle_cap(), 5u);
  for (auto& p : burst) pool.put(std::move(p.conn));
  EXPECT_EQ(pool.idle(), 5u);
  EXPECT_EQ(overflow.value() - before, 3u);
  pool.close();
}

// Runs `io` until `done()` or `limit` passes; the time it took.
template <class F>
std::chrono::steady_clock::duration run_until(boost::asio::io_context& io, F done,
                                              std::chrono::milliseconds limit) {
  const auto start = std::chrono::steady_clock::now();
  while (!done() && std::chrono::steady_clock::now() - start < limit) {
    if (io.stopped()) io.restart();  // it stops whenever it runs out of work
    if (io.run_one_for(10ms) == 0) std::this_thread::sleep_for(1ms);
  }
  return std::chrono::steady_clock::now() - start;
}

// True once the server side of a connection reads EOF (the pool closed
// it), waiting up to `limit` for it.
bool closed_by_pool(boost::asio::io_context& io, boost::asio::ip::tcp::socket& peer,
                    std::chrono::milliseconds limit = 1000ms) {
  peer.non_blocking(true);
  bool eof = false;
  run_until(io, [&] {
    char c;
    boost::system::error_code ec;
    peer.read_some(boost::asio::buffer(&c, 1), ec);
    eof = ec == boost::asio::error::eof;
    return eof;
  }, limit);
  return eof;
}

// The pool closes idle connections after idle_timeout, oldest first, and
// keeps the younger ones. Margins of 0.5 s for a slow (sanitizer, loaded)
// machine: a sweep up to that late still tells the two apart.
TEST(H1Pool, ClosesConnectionsIdleForIdleTimeoutOldestFirst) {
  boost::asio::io_context io;
  auto& idle = obs::gauge("test_h1pool_idle", "test", {{"case", "sweep"}});
  const auto idle_before = idle.value();
  H1Pool pool(8, 1000ms, &idle, 64);
  auto a = make_conn(io, pool);
  auto b = make_conn(io, pool);
  pool.put(std::move(a.conn));
  const auto gap = run_until(io, [] { return false; }, 500ms);  // a is older than b by >= 0.5 s
  if (gap >= 1000ms) GTEST_SKIP() << "the machine stalled past a's idle_timeout";
  const auto b_put = std::chrono::steady_clock::now();
  pool.put(std::move(b.conn));
  EXPECT_EQ(pool.idle(), 2u);
  EXPECT_EQ(idle.value() - idle_before, 2);
  run_until(io, [&] { return pool.idle() < 2; }, 10000ms);
  ASSERT_EQ(pool.idle(), 1u);
  EXPECT_EQ(idle.value() - idle_before, 1);
  EXPECT_TRUE(closed_by_pool(io, a.peer));
  EXPECT_FALSE(closed_by_pool(io, b.peer, 0ms));  // the younger one stays
  run_until(io, [&] { return pool.idle() == 0; }, 10000ms);
  EXPECT_EQ(pool.idle(), 0u);
  EXPECT_GE(std::chrono::steady_clock::now() - b_put, 1000ms);  // not before its own idle_timeout
  EXPECT_TRUE(closed_by_pool(io, b.peer));
  EXPECT_EQ(idle.value() - idle_before, 0);
}

// A connection taken before its idle_timeout is not closed by the sweep
// set for it, and one put back later gets its full idle_timeout again.
TEST(H1Pool, TakenConnectionsEscapeTheSweep) {
  boost::asio::io_context io;
  H1Pool pool(8, 600ms, nullptr, 64);
  auto a = make_conn(io, pool);
  pool.put(std::move(a.conn));
  const auto held = run_until(io, [] { return false; }, 200ms);
  if (held >= 600ms) GTEST_SKIP() << "the machine stalled past the idle_timeout";
  auto c = pool.take(false);
  ASSERT_NE(c, nullptr);
  run_until(io, [] { return false; }, 600ms);  // past a's first time: the sweep finds nothing
  EXPECT_FALSE(closed_by_pool(io, a.peer, 0ms));
  const auto put_again = std::chrono::steady_clock::now();
  pool.put(std::move(c));
  run_until(io, [&] { return pool.idle() == 0; }, 10000ms);
  EXPECT_EQ(pool.idle(), 0u);
  EXPECT_GE(std::chrono::steady_clock::now() - put_again, 600ms);
  EXPECT_TRUE(closed_by_pool(io, a.peer));
}

// Closing the pool stops its timer: the context runs out of work at once.
TEST(H1Pool, CloseCancelsTheSweep) {
  boost::asio::io_context io;
  H1Pool pool(8, 60s, nullptr, 64);
  auto a = make_conn(io, pool);
  pool.put(std::move(a.conn));
  pool.close();
  const auto start = std::chrono::steady_clock::now();
  io.run_for(5s);
  EXPECT_LT(std::chrono::steady_clock::now() - start, 2s);
  EXPECT_TRUE(closed_by_pool(io, a.peer));
}

}  // namespace
}  // namespace strata::upstream::pool
