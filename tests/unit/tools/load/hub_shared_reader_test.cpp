// The HTTP/1.1 subscriber's reader (tools/load SharedReader with a buffer
// of its own: async_read_some, one recv per wakeup) over a real loopback
// TCP connection: every frame of a burst larger than the buffer arrives,
// split anywhere, and is counted once by the subscriber's parser.
#include <gtest/gtest.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/write.hpp>

#include "io/transport.hpp"
#include "tools/load/hub_internal.hpp"
#include "tools/load/hub_payload.hpp"
#include "tools/load/hub_sub_stream.hpp"

using namespace strata::tools::load;
namespace asio = boost::asio;

namespace {

std::string frame(std::string_view payload) {  // unmasked text frame, < 64 KiB
  std::string f;
  f.push_back(char(0x81));
  if (payload.size() < 126) {
    f.push_back(char(payload.size()));
  } else {
    f.push_back(char(126));
    f.push_back(char(payload.size() >> 8));
    f.push_back(char(payload.size() & 0xff));
  }
  f.append(payload);
  return f;
}

}  // namespace

TEST(HubSharedReader, OwnBufferReadsEveryFrameOfABurstLargerThanIt) {
  asio::io_context io;
  asio::ip::tcp::acceptor acc(io, {asio::ip::make_address("127.0.0.1"), 0});
  asio::ip::tcp::socket client(io), server(io);
  client.connect(acc.local_endpoint());
  acc.accept(server);
  auto tr = strata::io::make_tcp_transport(std::move(client));

  HubShared g;
  HubThread t(g, 0);
  // 100 stamped publications (~170 bytes each: ~17 KB, four times the
  // buffer), written in three uneven pieces.
  std::string wire;
  const auto now = unix_us_now();
  for (int i = 0; i < 100; ++i)
    wire += frame("{\"push\":{\"channel\":\"fan\",\"pub\":{\"offset\":" + std::to_string(i) +
                  ",\"epoch\":\"abcd\",\"data\":" + make_payload(now - 500, 100) + "}}}");
  ASSERT_GT(wire.size(), 4 * kSubscriberReadBuffer);
  asio::write(server, asio::buffer(wire.data(), 1000));
  asio::write(server, asio::buffer(wire.data() + 1000, 9001));
  asio::write(server, asio::buffer(wire.data() + 10001, wire.size() - 10001));

  std::size_t reads = 0, max_read = 0;
  bool failed = false;
  asio::co_spawn(
      io,
      [&]() -> asio::awaitable<void> {
        SharedReader rd{*tr, t.buf, {}, nullptr, kSubscriberReadBuffer};
        SubStream sub(t, true, 1);
        std::string out;
        for (int i = 0; i < 1000 && t.st.deliveries < 100; ++i) {
          auto [ec, n] = co_await rd.read();
          if (ec) {
            failed = true;
            co_return;
          }
          ++reads;
          max_read = std::max(max_read, n);
          EXPECT_EQ(rd.data, rd.own.data());  // its own buffer, not the thread's
          if (sub.feed(std::string_view(rd.data, n), out) != SubStream::Result::more) failed = true;
        }
      },
      asio::detached);
  io.run();
  EXPECT_FALSE(failed);
  EXPECT_EQ(t.st.deliveries, 100u);
  EXPECT_EQ(t.st.other_messages, 0u);
  EXPECT_GE(reads, wire.size() / kSubscriberReadBuffer);
  EXPECT_LE(max_read, kSubscriberReadBuffer);
  EXPECT_GE(t.st.delivery.min(), 400'000u);  // ~0.5 ms old, in ns
}

TEST(HubSharedReader, EndOfStreamIsReported) {
  asio::io_context io;
  asio::ip::tcp::acceptor acc(io, {asio::ip::make_address("127.0.0.1"), 0});
  asio::ip::tcp::socket client(io), server(io);
  client.connect(acc.local_endpoint());
  acc.accept(server);
  auto tr = strata::io::make_tcp_transport(std::move(client));
  HubShared g;
  HubThread t(g, 0);
  asio::write(server, asio::buffer(std::string("abc")));
  server.close();
  std::string got;
  boost::system::error_code last;
  asio::co_spawn(
      io,
      [&]() -> asio::awaitable<void> {
        SharedReader rd{*tr, t.buf, {}, nullptr, 64};
        for (int i = 0; i < 10; ++i) {
          auto [ec, n] = co_await rd.read();
          if (ec) {
            last = ec;
            co_return;
          }
          got.append(rd.data, n);
        }
      },
      asio::detached);
  io.run();
  EXPECT_EQ(got, "abc");
  EXPECT_EQ(last, asio::error::eof);
}
