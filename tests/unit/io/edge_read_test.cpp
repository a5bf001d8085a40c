// io/edge_read.hpp through the plain TCP transport (io/transport.hpp), on
// real loopback sockets: a turn-taking read (read_turn) that follows a short
// read waits for the next edge instead of trying a recv that returns EAGAIN,
// and no byte is missed: bytes that arrive while no read is queued,
// pipelined bytes, full buffers, EOF and a peer that sends in pieces all
// complete the next read. read_some sees an EOF that came with the bytes.
#include "io/edge_read.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <optional>
#include <string>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/write.hpp>

#include "io/transport.hpp"
#include "unit/support/loopback.hpp"

namespace asio = boost::asio;
using asio::ip::tcp;
using namespace std::chrono_literals;

namespace {

struct Rig {
  asio::io_context io;
  asio::executor_work_guard<asio::io_context::executor_type> guard{io.get_executor()};
  tcp::socket peer{io};
  std::unique_ptr<strata::io::Transport> t;
  Rig() {
    auto [ours, theirs] = strata::test::loopback_pair(io);
    peer = std::move(theirs);
    t = strata::io::make_tcp_transport(std::move(ours));
  }
  // The peer's bytes go out synchronously: on loopback they are in our
  // receive queue (and the edge raised) when this returns.
  void send(const std::string& s) { asio::write(peer, asio::buffer(s)); }
  // Runs what is ready, the reactor included (epoll_wait with no timeout),
  // without waiting: an edge seen here finds no read queued.
  void poll() {
    for (int i = 0; i < 4; ++i) io.poll();
  }
  // Starts a read (Transport::read_turn, or read_some when !turn); the
  // result lands in `out` once it completes.
  void start_read(std::string& buf, std::optional<strata::core::IoResult>& out, bool turn = true) {
    out.reset();
    asio::co_spawn(io, [this, &buf, &out, turn]() -> asio::awaitable<void> {
      const std::span<char> b(buf.data(), buf.size());
      if (turn) out = co_await t->read_turn(b);
      else out = co_await t->read_some(b);
    }, asio::detached);
  }
  // Runs until the read completes, at most 2 s (a lost wakeup fails here).
  bool finish(std::optional<strata::core::IoResult>& out) {
    const auto until = std::chrono::steady_clock::now() + 2s;
    while (!out && std::chrono::steady_clock::now() < until) io.run_one_for(50ms);
    return out.has_value();
  }
  std::string read(std::size_t cap = 1024, bool turn = true) {
    std::string buf(cap, '\0');
    std::optional<strata::core::IoResult> r;
    start_read(buf, r, turn);
    if (!finish(r)) return "<hang>";
    if (r->ec) return "<" + r->ec.message() + ">";
    return buf.substr(0, r->n);
  }
};

}  // namespace

// The keep-alive pattern: the read is queued before the peer's next message
// (a client's next request, an upstream's answer to what we just wrote).
// Without the short-read rule every read but none would first return EAGAIN.
TEST(EdgeRead, ReadsQueuedBeforeTheBytesArriveNeverReturnEagain) {
  Rig r;
  const auto before = strata::io::read_would_block_count();
  constexpr int kRounds = 200;
  for (int i = 0; i < kRounds; ++i) {
    std::string buf(1024, '\0');
    std::optional<strata::core::IoResult> out;
    r.start_read(buf, out);
    r.poll();  // the read starts (and is queued) before the bytes exist
    ASSERT_FALSE(out) << "round " << i;
    const std::string msg = "request " + std::to_string(i);
    r.send(msg);
    ASSERT_TRUE(r.finish(out)) << "round " << i;
    ASSERT_FALSE(out->ec) << out->ec.message();
    ASSERT_EQ(buf.substr(0, out->n), msg);
  }
  // A new socket is tried once (nothing known about it yet): at most that.
  EXPECT_LE(strata::io::read_would_block_count() - before, 1u);
}

// Bytes that arrive after a short read, while no read is queued, and whose
// edge the reactor consumed meanwhile: the next read must still get them.
TEST(EdgeRead, BytesArrivingWhileNoReadIsQueuedAreRead) {
  Rig r;
  r.send("first");
  EXPECT_EQ(r.read(), "first");  // short read: the socket is marked exhausted
  r.send("second");
  r.poll();                      // the edge comes and goes with no read queued
  EXPECT_EQ(r.read(), "second");
  // And when no poll ran between the bytes and the read.
  r.send("third");
  EXPECT_EQ(r.read(), "third");
}

// Pipelined messages in one segment are one short read; what follows a full
// read is read at once (the socket was not marked exhausted).
TEST(EdgeRead, FullReadsAndPipelinedBytesComeWithoutWaiting) {
  Rig r;
  r.send("GET /a\nGET /b\nGET /c\n");
  EXPECT_EQ(r.read(), "GET /a\nGET /b\nGET /c\n");
  const std::string big(10000, 'x');
  r.send(big);
  std::string got;
  for (int i = 0; i < 20 && got.size() < big.size(); ++i) {
    const auto part = r.read(4096);  // full reads, then a short one
    ASSERT_NE(part.front(), '<') << part;
    got += part;
  }
  EXPECT_EQ(got, big);
  r.send("after");
  EXPECT_EQ(r.read(), "after");
}

// A peer that sends in pieces, each after our read is queued, then closes.
TEST(EdgeRead, PiecesThenEofAllCompleteTheQueuedRead) {
  Rig r;
  for (int i = 0; i < 5; ++i) {
    std::string buf(64, '\0');
    std::optional<strata::core::IoResult> out;
    r.start_read(buf, out);
    r.poll();
    r.send(std::string(1, char('a' + i)));
    ASSERT_TRUE(r.finish(out));
    EXPECT_EQ(buf.substr(0, out->n), std::string(1, char('a' + i)));
  }
  std::string buf(64, '\0');
  std::optional<strata::core::IoResult> out;
  r.start_read(buf, out);
  r.poll();
  r.peer.shutdown(tcp::socket::shutdown_send);
  ASSERT_TRUE(r.finish(out));
  EXPECT_EQ(out->ec, asio::error::eof);
}

// A reset after a short read ends the queued read with an error.
TEST(EdgeRead, ResetAfterAShortReadEndsTheQueuedRead) {
  Rig r;
  r.send("x");
  EXPECT_EQ(r.read(), "x");
  std::string buf(64, '\0');
  std::optional<strata::core::IoResult> out;
  r.start_read(buf, out);
  r.poll();
  r.peer.set_option(asio::socket_base::linger(true, 0));
  r.peer.close();  // RST
  ASSERT_TRUE(r.finish(out));
  EXPECT_TRUE(out->ec);
}

// An EOF that arrived together with the last bytes raises no further edge:
// read_turn waits for one (its documented price; callers bound it with a
// deadline), read_some tries a recv first and sees the EOF at once. The
// tunnel and close-delimited bodies read with read_some.
TEST(EdgeRead, ReadSomeSeesAnEofThatCameWithTheBytes) {
  Rig r;
  r.send("last");
  r.peer.shutdown(tcp::socket::shutdown_send);
  r.poll();
  EXPECT_EQ(r.read(), "last");  // stops at the FIN: a short read
  std::string buf(64, '\0');
  std::optional<strata::core::IoResult> turn;
  r.start_read(buf, turn, true);
  r.poll();
  EXPECT_FALSE(turn);  // no edge will come
  r.t->close();        // ends it
  ASSERT_TRUE(r.finish(turn));
  EXPECT_TRUE(turn->ec);

  Rig q;
  q.send("last");
  q.peer.shutdown(tcp::socket::shutdown_send);
  q.poll();
  EXPECT_EQ(q.read(1024, false), "last");
  EXPECT_EQ(q.read(1024, false), "<" + boost::system::error_code(asio::error::eof).message() + ">");
  // And an eager read with nothing there waits for the edge like any read.
  Rig w;
  w.send("a");
  EXPECT_EQ(w.read(1024, false), "a");
  std::string b2(64, '\0');
  std::optional<strata::core::IoResult> out;
  w.start_read(b2, out, false);
  w.poll();
  EXPECT_FALSE(out);
  w.send("b");
  ASSERT_TRUE(w.finish(out));
  EXPECT_EQ(b2.substr(0, out->n), "b");
}
