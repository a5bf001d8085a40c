// Http1Connection as an http::FileBodySink (src/conn/http1_send_file.cpp):
// a body sent from a sealed memfd with sendfile over a real loopback socket.
#include <gtest/gtest.h>

#include <string>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>

#include "conn/server_context.hpp"
#include "http/file_body.hpp"
#include "io/sealed_file.hpp"
#include "unit/support/loopback.hpp"

namespace asio = boost::asio;
namespace http = strata::http;
namespace conn = strata::conn;
using namespace std::chrono_literals;

namespace {

constexpr auto use_tuple = asio::as_tuple(asio::use_awaitable);

std::string pattern(std::size_t n) {
  std::string s(n, '\0');
  for (std::size_t i = 0; i < n; ++i) s[i] = char('a' + (i * 7 + i / 251) % 26);
  return s;
}

// Serves the file: "/all" whole, "/part" bytes [1000, 1000+len) with a
// Content-Length; "/chunked" without one (not native: falls back).
class FileHandler : public http::Handler {
 public:
  explicit FileHandler(const strata::io::SealedFile& f) : f_(f) {}
  asio::awaitable<void> handle(http::Exchange& ex) override {
    const std::string target = ex.request().target;
    http::Response r;
    std::uint64_t off = 0, len = f_.size();
    if (target == "/part") off = 1000, len = 5000;
    if (target != "/chunked") r.headers.set("content-length", std::to_string(len));
    if (co_await ex.send_head(r, false)) co_return;
    natives.push_back(http::native_file_sink(ex) != nullptr);
    results.push_back(co_await http::send_file_body(ex, f_.fd(), off, len, {}, true));
  }
  std::vector<bool> natives;
  std::vector<http::error_code> results;

 private:
  const strata::io::SealedFile& f_;
};

class Ctx : public conn::ServerContext {
 public:
  explicit Ctx(std::shared_ptr<http::Handler> h) : handler(std::move(h)) {
    auto cfg = std::make_shared<strata::config::Config>();
    cfg->timeouts.body_idle = 2s;
    strata::config::Listener l;
    l.name = "test";
    l.protocols = {"h1"};
    cfg->listeners.push_back(l);
    config = cfg;
  }
  std::shared_ptr<const conn::Snapshot> snapshot() const override {
    auto s = std::make_shared<conn::Snapshot>();
    s->config = config;
    s->listener = &config->listeners.front();
    s->handler = handler;
    return s;
  }
  bool draining() const override { return false; }
  void add(conn::Connection*) override {}
  void remove(conn::Connection*) override {}
  std::shared_ptr<strata::config::Config> config;
  std::shared_ptr<http::Handler> handler;
};

// Sends `requests`, reads until at least `expect_bytes` arrived and the
// bytes end with `tail` (or EOF / 5 s).
// `small_buffers`: the server's send buffer is small and the client starts
// reading late, so the server's socket fills and sendfile must wait for room.
std::string exchange(Ctx& ctx, const std::string& requests, std::size_t expect_bytes,
                     const std::string& tail, bool small_buffers = false) {
  asio::io_context io;
  auto [server, client] = strata::test::loopback_pair(io);
  if (small_buffers)  // (a tiny client receive buffer would crawl on delayed ACKs instead)
    server.set_option(asio::socket_base::send_buffer_size(4096));
  http::ConnInfo info;
  info.peer_ip = "127.0.0.1";
  asio::co_spawn(io, conn::serve_http1(strata::io::make_tcp_transport(std::move(server)), ctx, info, ""),
                 asio::detached);
  std::string got;
  asio::co_spawn(
      io,
      [&]() -> asio::awaitable<void> {
        auto [ec, n] = co_await asio::async_write(client, asio::buffer(requests), use_tuple);
        if (ec) co_return;
        if (small_buffers) {  // let the server hit a full socket first
          asio::steady_timer t(io, 50ms);
          co_await t.async_wait(use_tuple);
        }
        char buf[8192];
        while (got.size() < expect_bytes || !got.ends_with(tail)) {
          auto [rec, m] = co_await client.async_read_some(asio::buffer(buf), use_tuple);
          if (rec) break;
          got.append(buf, m);
        }
        boost::system::error_code ignored;
        client.close(ignored);
        io.stop();
      },
      asio::detached);
  io.run_for(5s);
  return got;
}

std::unique_ptr<strata::io::SealedFile> file_of(const std::string& bytes) {
  boost::system::error_code ec;
  auto f = strata::io::SealedFile::create(bytes, "test", ec);
  EXPECT_FALSE(ec) << ec.message();
  return f;
}

std::string body_after_head(const std::string& resp) {
  auto p = resp.find("\r\n\r\n");
  return p == std::string::npos ? std::string() : resp.substr(p + 4);
}

}  // namespace

TEST(Http1SendFile, WholeFileIsSentNativelyAndByteIdentical) {
  const auto bytes = pattern(300 * 1024);
  auto f = file_of(bytes);
  auto h = std::make_shared<FileHandler>(*f);
  Ctx ctx(h);
  auto resp = exchange(ctx, "GET /all HTTP/1.1\r\nHost: t\r\n\r\n", bytes.size(), bytes.substr(bytes.size() - 64));
  ASSERT_EQ(h->natives.size(), 1u);
  EXPECT_TRUE(h->natives[0]);
  EXPECT_FALSE(h->results[0]);
  EXPECT_NE(resp.find("content-length: 307200\r\n"), std::string::npos);
  EXPECT_EQ(body_after_head(resp), bytes);
}

TEST(Http1SendFile, RegionAndKeepAliveThenNextResponse) {
  const auto bytes = pattern(64 * 1024);
  auto f = file_of(bytes);
  auto h = std::make_shared<FileHandler>(*f);
  Ctx ctx(h);
  // Two pipelined requests: a region, then the whole file.
  auto resp = exchange(ctx,
                       "GET /part HTTP/1.1\r\nHost: t\r\n\r\nGET /all HTTP/1.1\r\nHost: t\r\n\r\n",
                       5000 + bytes.size(), bytes.substr(bytes.size() - 64));
  ASSERT_EQ(h->results.size(), 2u);
  EXPECT_FALSE(h->results[0]);
  EXPECT_FALSE(h->results[1]);
  const auto first_end = resp.find("\r\n\r\n") + 4;
  EXPECT_EQ(resp.substr(first_end, 5000), bytes.substr(1000, 5000));
  const auto second = resp.find("HTTP/1.1 200", first_end);
  ASSERT_NE(second, std::string::npos);
  EXPECT_EQ(body_after_head(resp.substr(second)), bytes);
}

TEST(Http1SendFile, FullSocketWaitsForRoom) {
  const auto bytes = pattern(2 * 1024 * 1024);
  auto f = file_of(bytes);
  auto h = std::make_shared<FileHandler>(*f);
  Ctx ctx(h);
  auto resp = exchange(ctx, "GET /all HTTP/1.1\r\nHost: t\r\n\r\n", bytes.size(),
                       bytes.substr(bytes.size() - 64), true);
  ASSERT_EQ(h->results.size(), 1u)
      << "received " << resp.size() << " natives " << h->natives.size();
  EXPECT_FALSE(h->results[0]) << h->results[0].message();
  EXPECT_EQ(body_after_head(resp).size(), bytes.size());
  EXPECT_TRUE(body_after_head(resp) == bytes);
}

TEST(Http1SendFile, ChunkedResponseIsNotNativeAndFallsBackToCopies) {
  const auto bytes = pattern(100 * 1024);
  auto f = file_of(bytes);
  auto h = std::make_shared<FileHandler>(*f);
  Ctx ctx(h);
  auto resp = exchange(ctx, "GET /chunked HTTP/1.1\r\nHost: t\r\n\r\n", bytes.size(), "\r\n0\r\n\r\n");
  ASSERT_EQ(h->natives.size(), 1u);
  EXPECT_FALSE(h->natives[0]);
  EXPECT_FALSE(h->results[0]);
  EXPECT_NE(resp.find("transfer-encoding: chunked\r\n"), std::string::npos);
  // De-chunk: pieces of at most 64 KiB (pread), then the last chunk.
  std::string body, rest = body_after_head(resp);
  while (true) {
    auto eol = rest.find("\r\n");
    ASSERT_NE(eol, std::string::npos);
    const auto n = std::stoul(rest.substr(0, eol), nullptr, 16);
    if (n == 0) break;
    body += rest.substr(eol + 2, n);
    rest = rest.substr(eol + 2 + n + 2);
  }
  EXPECT_TRUE(body == bytes);
}
