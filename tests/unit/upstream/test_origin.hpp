// Test helper: a tiny in-process HTTP/1.1 origin on 127.0.0.1 (Beast),
// run by coroutines on the test's io_context. Paths:
//   /big      1 MiB body (content-length), byte pattern big_body()
//   /chunked  1 MiB body, chunked
//   /echo     echoes the request body
//   /slow     answers after 2 s
//   /close    answers keep-alive, then closes the connection
//   /truncate announces 1000 bytes, sends 10, closes
//   /trailers "ok" chunked, field x-first: 1, trailer x-checksum: abc
//   /status/NNN answers status NNN with body "status NNN"
//   anything else: 200 "ok"
// Every request head is recorded in `seen`; `accepted` counts connections.
#pragma once
#include <chrono>
#include <string>
#include <vector>

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

namespace strata::test {

inline std::string big_body() {
  std::string s(1 << 20, '\0');
  for (std::size_t i = 0; i < s.size(); ++i) s[i] = char((i * 131 + (i >> 8)) & 0xff);
  return s;
}

class TestOrigin {
 public:
  using tcp = boost::asio::ip::tcp;
  explicit TestOrigin(boost::asio::io_context& io)
      : io_(io), acc_(io, tcp::endpoint(boost::asio::ip::address_v4::loopback(), 0)) {
    boost::asio::co_spawn(io, accept_loop(), boost::asio::detached);
  }
  std::uint16_t port() const { return acc_.local_endpoint().port(); }

  int accepted = 0;
  std::vector<boost::beast::http::request<boost::beast::http::string_body>> seen;

 private:
  boost::asio::awaitable<void> accept_loop() {
    for (;;) {
      auto [ec, s] = co_await acc_.async_accept(boost::asio::as_tuple(boost::asio::use_awaitable));
      if (ec) co_return;
      ++accepted;
      boost::asio::co_spawn(io_, serve(std::move(s)), boost::asio::detached);
    }
  }

  boost::asio::awaitable<void> serve(tcp::socket s) {
    namespace http = boost::beast::http;
    using boost::asio::as_tuple;
    using boost::asio::use_awaitable;
    boost::beast::flat_buffer buf;
    for (;;) {
      http::request_parser<http::string_body> p;
      p.body_limit(16 << 20);
      auto [ec, n] = co_await http::async_read(s, buf, p, as_tuple(use_awaitable));
      if (ec) co_return;
      auto req = p.release();
      seen.push_back(req);
      const std::string target(req.target());
      if (target == "/truncate") {
        std::string raw = "HTTP/1.1 200 OK\r\ncontent-length: 1000\r\n\r\n0123456789";
        co_await boost::asio::async_write(s, boost::asio::buffer(raw), as_tuple(use_awaitable));
        co_return;
      }
      if (target == "/trailers") {
        std::string raw =
            "HTTP/1.1 200 OK\r\nx-first: 1\r\ntransfer-encoding: chunked\r\n\r\n"
            "2\r\nok\r\n0\r\nx-checksum: abc\r\n\r\n";
        auto [wec, wn] =
            co_await boost::asio::async_write(s, boost::asio::buffer(raw), as_tuple(use_awaitable));
        if (wec) co_return;
        continue;
      }
      if (target == "/slow") {
        boost::asio::steady_timer t(io_, std::chrono::seconds(2));
        co_await t.async_wait(as_tuple(use_awaitable));
      }
      http::response<http::string_body> res{http::status::ok, 11};
      if (target.starts_with("/status/") && target.size() == 11) {
        res.result(static_cast<unsigned>(std::stoi(target.substr(8))));
        res.body() = "status " + target.substr(8);
        res.keep_alive(req.keep_alive());
        res.prepare_payload();
        auto [sec, sn] = co_await http::async_write(s, res, as_tuple(use_awaitable));
        if (sec || !req.keep_alive()) co_return;
        continue;
      }
      res.keep_alive(req.keep_alive());
      if (target == "/big" || target == "/chunked") {
        res.body() = big_body();
      } else if (target == "/echo") {
        res.body() = req.body();
      } else {
        res.body() = "ok";
      }
      if (target == "/chunked") {
        res.chunked(true);
      } else {
        res.prepare_payload();
      }
      auto [wec, wn] = co_await http::async_write(s, res, as_tuple(use_awaitable));
      if (wec || !req.keep_alive() || target == "/close") co_return;
    }
  }

  boost::asio::io_context& io_;
  tcp::acceptor acc_;
};

}  // namespace strata::test
