// io/send_batch.hpp through the plain TCP transport (io/transport.hpp), on
// real loopback sockets: small writes wait in the worker's batch until its
// next epoll_wait and then all go out, in order per socket; a socket that
// takes only part of its bytes gets the rest written through the event
// loop before anything later; close() and the transport's end still send
// what was queued; a failed send is reported by the next write; with
// send_batch_bytes 0 every write goes out at once.
#include "io/send_batch.hpp"

#include <gtest/gtest.h>
#include <sys/socket.h>

#include <chrono>
#include <string>
#include <vector>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/read.hpp>

#include "core/loop_clock.hpp"
#include "io/transport.hpp"
#include "unit/support/loopback.hpp"

namespace asio = boost::asio;
using asio::ip::tcp;
using strata::io::SendBatch;
using strata::io::Transport;
using namespace std::chrono_literals;

namespace {

bool batching() {
  return strata::core::loop_turn::enabled() && SendBatch::available_here();
}

struct Pair {
  std::unique_ptr<Transport> t;
  tcp::socket peer;
};

// Outstanding work, as a server's acceptors are: without it poll() returns
// before the reactor's epoll_wait.
using Guard = asio::executor_work_guard<asio::io_context::executor_type>;

Pair make_pair(asio::io_context& io) {
  auto [ours, theirs] = strata::test::loopback_pair(io);
  return Pair{strata::io::make_tcp_transport(std::move(ours)), std::move(theirs)};
}

std::size_t write_now(Transport& t, std::string_view s, boost::system::error_code& ec) {
  const asio::const_buffer b(s.data(), s.size());
  return t.write_now(std::span<const asio::const_buffer>(&b, 1), ec);
}

// What the peer can read without waiting.
std::string available(tcp::socket& s) {
  std::string out;
  char buf[65536];
  for (;;) {
    const ssize_t n = ::recv(s.native_handle(), buf, sizeof buf, MSG_DONTWAIT);
    if (n <= 0) break;
    out.append(buf, std::size_t(n));
  }
  return out;
}

// A pattern no two offsets of which repeat within 251 bytes.
std::string pattern(std::size_t n, std::size_t from = 0) {
  std::string s(n, '\0');
  for (std::size_t i = 0; i < n; ++i) s[i] = char((from + i) % 251);
  return s;
}

struct Capacity {
  explicit Capacity(std::size_t b) { SendBatch::set_capacity(b); }
  ~Capacity() { SendBatch::set_capacity(64 * 1024); }
};

TEST(SendBatch, SmallWritesWaitForTheLoopThenAllGoOutInOrder) {
  if (!batching()) GTEST_SKIP() << "no epoll_wait hook or no io_uring in this build";
  asio::io_context io;
  Guard guard(io.get_executor());
  std::vector<Pair> pairs;
  for (int i = 0; i < 8; ++i) pairs.push_back(make_pair(io));
  boost::system::error_code ec;
  for (std::size_t i = 0; i < pairs.size(); ++i) {
    const std::string msg = "s" + std::to_string(i) + ";";
    ASSERT_EQ(write_now(*pairs[i].t, msg, ec), msg.size());
    ASSERT_FALSE(ec);
  }
  // The last socket writes again: its entry grows in place.
  ASSERT_EQ(write_now(*pairs[7].t, "more;", ec), 5u);
  // Nothing is on the wire yet: the batch waits for the loop.
  for (auto& p : pairs) {
    EXPECT_TRUE(p.t->writes_pending());
    EXPECT_EQ(available(p.peer), "");
  }
  io.poll();  // the reactor's epoll_wait flushes first
  for (std::size_t i = 0; i < pairs.size(); ++i) {
    EXPECT_FALSE(pairs[i].t->writes_pending());
    EXPECT_EQ(available(pairs[i].peer), "s" + std::to_string(i) + ";" + (i == 7 ? "more;" : "")) << i;
  }
  // Interleaved rounds: a socket's second entry sends the batch first, so
  // every socket's bytes stay in order.
  for (int round = 0; round < 3; ++round)
    for (std::size_t i = 0; i < pairs.size(); ++i) {
      const std::string msg = "r" + std::to_string(round) + "s" + std::to_string(i) + ";";
      ASSERT_EQ(write_now(*pairs[i].t, msg, ec), msg.size());
    }
  io.poll();
  for (std::size_t i = 0; i < pairs.size(); ++i) {
    const std::string s = std::to_string(i);
    EXPECT_EQ(available(pairs[i].peer), "r0s" + s + ";r1s" + s + ";r2s" + s + ";") << i;
  }
}

TEST(SendBatch, LowestLayerAndAGreatWriteSendTheQueuedBytesFirst) {
  if (!batching()) GTEST_SKIP() << "no epoll_wait hook or no io_uring in this build";
  asio::io_context io;
  Guard guard(io.get_executor());
  auto p = make_pair(io);
  auto q = make_pair(io);
  boost::system::error_code ec;
  ASSERT_EQ(write_now(*p.t, "head;", ec), 5u);
  ASSERT_EQ(write_now(*q.t, "other;", ec), 6u);
  (void)p.t->lowest_layer();  // a caller about to use the socket itself
  EXPECT_EQ(available(p.peer), "head;");
  EXPECT_EQ(available(q.peer), "other;");  // the whole batch went
  // Larger than a batched write: out at once, after what was queued.
  ASSERT_EQ(write_now(*p.t, "a;", ec), 2u);
  const std::string big = pattern(SendBatch::kMaxWrite + 1);
  ASSERT_EQ(write_now(*p.t, big, ec), big.size());
  EXPECT_FALSE(p.t->writes_pending());
  EXPECT_EQ(available(p.peer), "a;" + big);
}

TEST(SendBatch, AFullSocketGetsItsRestThroughTheLoopBeforeAnythingLater) {
  if (!batching()) GTEST_SKIP() << "no epoll_wait hook or no io_uring in this build";
  asio::io_context io;
  Guard guard(io.get_executor());
  auto p = make_pair(io);
  p.peer.set_option(asio::socket_base::receive_buffer_size(4096));
  p.t->lowest_layer().set_option(asio::socket_base::send_buffer_size(4096));
  boost::system::error_code ec;
  // The peer reads nothing: batched chunks fill both buffers until one is
  // taken only in part, after which write_now refuses (would_block).
  std::size_t accepted = 0;
  for (int i = 0; i < 2000 && !ec; ++i) {
    const std::string chunk = pattern(8192, accepted);
    const std::size_t n = write_now(*p.t, chunk, ec);
    accepted += n;
    if (!ec) io.poll();
  }
  ASSERT_EQ(ec, asio::error::would_block);
  ASSERT_TRUE(p.t->writes_pending());  // the rest is being written
  // A write() now waits for the rest and then follows it.
  const std::string tail = "tail";
  bool wrote = false;
  asio::co_spawn(io, [&]() -> asio::awaitable<void> {
    const asio::const_buffer b(tail.data(), tail.size());
    auto wec = co_await p.t->write(std::span<const asio::const_buffer>(&b, 1));
    EXPECT_FALSE(wec);
    wrote = true;
  }, asio::detached);
  std::string got;
  const auto until = std::chrono::steady_clock::now() + 10s;
  while ((!wrote || got.size() < accepted + tail.size()) && std::chrono::steady_clock::now() < until) {
    io.poll();
    got += available(p.peer);
    io.run_one_for(1ms);
  }
  ASSERT_TRUE(wrote);
  ASSERT_EQ(got.size(), accepted + tail.size());
  EXPECT_TRUE(got.compare(0, accepted, pattern(accepted)) == 0) << "bytes out of order or lost";
  EXPECT_EQ(got.substr(accepted), tail);
  EXPECT_FALSE(p.t->writes_pending());
}

TEST(SendBatch, CloseAndTheTransportsEndStillSendWhatWasQueued) {
  if (!batching()) GTEST_SKIP() << "no epoll_wait hook or no io_uring in this build";
  asio::io_context io;
  Guard guard(io.get_executor());
  auto p = make_pair(io);
  auto q = make_pair(io);
  boost::system::error_code ec;
  ASSERT_EQ(write_now(*p.t, "bye", ec), 3u);
  ASSERT_EQ(write_now(*q.t, "gone", ec), 4u);
  p.t->close();
  q.t.reset();
  std::string a(3, '\0'), b(4, '\0');
  asio::read(p.peer, asio::buffer(a));
  asio::read(q.peer, asio::buffer(b));
  EXPECT_EQ(a, "bye");
  EXPECT_EQ(b, "gone");
  char c;
  p.peer.read_some(asio::buffer(&c, 1), ec);
  EXPECT_EQ(ec, asio::error::eof);
}

TEST(SendBatch, AFailedSendIsReportedByTheNextWrite) {
  if (!batching()) GTEST_SKIP() << "no epoll_wait hook or no io_uring in this build";
  asio::io_context io;
  Guard guard(io.get_executor());
  auto p = make_pair(io);
  // The peer resets the connection (SO_LINGER 0).
  p.peer.set_option(asio::socket_base::linger(true, 0));
  p.peer.close();
  boost::system::error_code ec;
  // The first send after a reset may still be taken; within a few the error shows.
  for (int i = 0; i < 8 && !ec; ++i) {
    write_now(*p.t, "x", ec);
    io.poll();
  }
  EXPECT_TRUE(ec);
  EXPECT_NE(ec, asio::error::would_block);
}

TEST(SendBatch, ZeroCapacityWritesAtOnce) {
  Capacity off(0);
  asio::io_context io;
  Guard guard(io.get_executor());
  auto p = make_pair(io);
  boost::system::error_code ec;
  ASSERT_EQ(write_now(*p.t, "now", ec), 3u);
  EXPECT_FALSE(p.t->writes_pending());
  std::string a(3, '\0');
  asio::read(p.peer, asio::buffer(a));
  EXPECT_EQ(a, "now");
}

}  // namespace
