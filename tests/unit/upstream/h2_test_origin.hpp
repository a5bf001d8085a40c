// Test helper: an in-process HTTP/2 origin on 127.0.0.1 using the real
// server driver (conn::serve_http2), h2c prior knowledge or TLS (self-signed
// certificate, ALPN h2). Runs on the test's io_context. Paths:
//   /big       1 MiB body (test::big_body())
//   /echo      streams the request body back
//   /trailers  body "hi" then trailers grpc-status: 0, grpc-message: ok
//   /reset     head + 10 body bytes, then RST_STREAM
//   /wait      answers once `release_at` requests are waiting (or after 5 s)
//   anything else: 200 "ok"
// `accepted` counts connections; `seen` records request heads.
#pragma once
#include <chrono>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include <boost/asio.hpp>
#include <boost/asio/ssl.hpp>

#include "config/config.hpp"
#include "conn/server_context.hpp"
#include "io/self_signed.hpp"
#include "io/tls_context.hpp"
#include "io/transport.hpp"
#include "unit/upstream/test_origin.hpp"

namespace strata::test {

class H2OriginHandler final : public http::Handler {
 public:
  explicit H2OriginHandler(boost::asio::io_context& io) : gate_(io) {
    gate_.expires_at(std::chrono::steady_clock::time_point::max());
  }
  std::vector<http::Request> seen;
  int waiting = 0;
  int release_at = 1 << 30;

  boost::asio::awaitable<void> handle(http::Exchange& ex) override {
    using boost::asio::as_tuple;
    using boost::asio::use_awaitable;
    seen.push_back(ex.request());
    const std::string path(ex.request().path());
    http::Response r;
    if (path == "/wait") {
      ++waiting;
      if (waiting >= release_at) gate_.cancel();
      while (waiting < release_at) {
        gate_.expires_after(std::chrono::seconds(5));
        auto [ec] = co_await gate_.async_wait(as_tuple(use_awaitable));
        if (!ec) break;  // timed out
      }
      gate_.cancel();  // wake the other waiters
      co_await http::respond(ex, 200, "waited");
      co_return;
    }
    if (path == "/big") {
      r.headers.add("content-length", std::to_string(big_body().size()));
      if (co_await ex.send_head(r, false)) co_return;
      static const std::string big = big_body();
      for (std::size_t off = 0; off < big.size(); off += 100000) {
        const auto n = std::min<std::size_t>(100000, big.size() - off);
        if (co_await ex.send_body(std::span<const char>(big.data() + off, n),
                                  off + n == big.size()))
          co_return;
      }
      co_return;
    }
    if (path == "/echo") {
      if (co_await ex.send_head(r, false)) co_return;
      std::vector<char> buf(16 * 1024);
      for (;;) {
        auto [ec, n] = co_await ex.read_body(buf);
        if (ec) {
          ex.reset();
          co_return;
        }
        if (n == 0) break;
        if (co_await ex.send_body(std::span<const char>(buf.data(), n), false)) co_return;
      }
      co_await ex.send_body({}, true);
      co_return;
    }
    if (path == "/trailers") {
      r.headers.add("content-type", "application/grpc");
      if (co_await ex.send_head(r, false)) co_return;
      if (co_await ex.send_body(std::string_view("hi"), false)) co_return;
      http::Headers t;
      t.add("grpc-status", "0");
      t.add("grpc-message", "ok");
      co_await ex.send_trailers(t);
      co_return;
    }
    if (path == "/reset") {
      if (co_await ex.send_head(r, false)) co_return;
      if (co_await ex.send_body(std::string_view("0123456789"), false)) co_return;
      // Let the bytes go out before the reset.
      boost::asio::steady_timer t(ex.executor(), std::chrono::milliseconds(50));
      co_await t.async_wait(as_tuple(use_awaitable));
      ex.reset();
      co_return;
    }
    co_await http::respond(ex, 200, "ok");
  }

 private:
  boost::asio::steady_timer gate_;
};

class H2FakeContext final : public conn::ServerContext {
 public:
  std::shared_ptr<const conn::Snapshot> snap;
  std::shared_ptr<const conn::Snapshot> snapshot() const override { return snap; }
  bool draining() const override { return false; }
  void add(conn::Connection*) override {}
  void remove(conn::Connection*) override {}
};

class H2Origin {
 public:
  using tcp = boost::asio::ip::tcp;
  // `tls_dir` non-empty: TLS with a self-signed certificate written there.
  H2Origin(boost::asio::io_context& io, const std::string& tls_dir = "")
      : io_(io), acc_(io, tcp::endpoint(boost::asio::ip::address_v4::loopback(), 0)) {
    handler = std::make_shared<H2OriginHandler>(io);
    auto snap = std::make_shared<conn::Snapshot>();
    snap->config = std::make_shared<config::Config>();
    snap->handler = handler;
    ctx_->snap = snap;
    if (!tls_dir.empty()) {
      const auto ss = io::ensure_self_signed(tls_dir);
      config::Tls tls;
      tls.certificates.push_back({ss.cert_file, ss.key_file, {}});
      tls_ = io::make_server_tls_context(tls, {"h2"}, tls_dir);
    }
    boost::asio::co_spawn(io, accept_loop(), boost::asio::detached);
  }
  ~H2Origin() {
    boost::system::error_code ec;
    acc_.close(ec);
  }
  std::uint16_t port() const { return acc_.local_endpoint().port(); }

  int accepted = 0;
  std::shared_ptr<H2OriginHandler> handler;

 private:
  boost::asio::awaitable<void> accept_loop() {
    using boost::asio::as_tuple;
    using boost::asio::use_awaitable;
    for (;;) {
      auto [ec, s] = co_await acc_.async_accept(as_tuple(use_awaitable));
      if (ec) co_return;
      ++accepted;
      boost::asio::co_spawn(io_, serve(std::move(s), ctx_), boost::asio::detached);
    }
  }

  // `ctx` is shared so it outlives every connection coroutine.
  boost::asio::awaitable<void> serve(tcp::socket s, std::shared_ptr<H2FakeContext> ctx) {
    using boost::asio::as_tuple;
    using boost::asio::use_awaitable;
    std::unique_ptr<io::Transport> t;
    if (tls_) {
      auto st = std::make_unique<io::TlsStream>(std::move(s), *tls_);
      auto [ec] = co_await st->async_handshake(boost::asio::ssl::stream_base::server,
                                               as_tuple(use_awaitable));
      if (ec) co_return;
      t = io::make_tls_transport(std::move(st));
    } else {
      t = io::make_tcp_transport(std::move(s));
    }
    // Named locals: g++ 12 mishandles class prvalues passed inside co_await.
    http::ConnInfo info;
    info.peer_ip = "127.0.0.1";
    std::string initial;
    co_await conn::serve_http2(std::move(t), *ctx, std::move(info), std::move(initial));
  }

  boost::asio::io_context& io_;
  tcp::acceptor acc_;
  std::shared_ptr<H2FakeContext> ctx_ = std::make_shared<H2FakeContext>();
  std::shared_ptr<boost::asio::ssl::context> tls_;
};

}  // namespace strata::test
