// Test helper: an http::Exchange that serves a canned request (head + body
// handed out in read_chunk pieces) and records everything sent back.
// Single-threaded; use on the io_context that runs the test coroutines.
#pragma once
#include <algorithm>
#include <optional>
#include <string>
#include <vector>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>

#include "http/exchange.hpp"

namespace strata::test {

class FakeExchange final : public http::Exchange {
 public:
  explicit FakeExchange(boost::asio::any_io_executor ex) : ex_(std::move(ex)) {
    req.method = "GET";
    req.scheme = "http";
    req.authority = "example.test";
    req.target = "/";
    conn_info.peer_ip = "192.0.2.10";
    conn_info.peer_port = 40000;
  }

  // Request side (set before use).
  http::Request req;
  http::ConnInfo conn_info;
  std::string request_body;       // served by read_body()
  std::size_t read_chunk = 16 * 1024;

  // Response side (recorded).
  std::vector<http::Response> interims;
  std::optional<http::Response> head;
  std::string body;
  std::optional<http::Headers> trailers;
  bool ended = false;
  bool was_reset = false;
  int body_calls = 0;

  void set_body(std::string b) {
    request_body = std::move(b);
    req.has_body = true;
    req.content_length = request_body.size();
  }

  http::Request& request() override { return req; }
  const http::ConnInfo& conn() const override { return conn_info; }
  boost::asio::any_io_executor executor() const override { return ex_; }

  boost::asio::awaitable<http::IoResult> read_body(std::span<char> buf) override {
    const std::size_t n = std::min({buf.size(), read_chunk, request_body.size() - pos_});
    std::copy_n(request_body.data() + pos_, n, buf.data());
    pos_ += n;
    co_return http::IoResult{{}, n};
  }
  const http::Headers* request_trailers() const override { return nullptr; }

  boost::asio::awaitable<http::error_code> send_interim(const http::Response& r) override {
    interims.push_back(r);
    co_return http::error_code{};
  }
  boost::asio::awaitable<http::error_code> send_head(http::Response& r, bool end) override {
    head = r;
    ended = end;
    co_return http::error_code{};
  }
  boost::asio::awaitable<http::error_code> send_body(std::span<const char> d, bool end) override {
    body.append(d.data(), d.size());
    ++body_calls;
    ended = ended || end;
    co_return http::error_code{};
  }
  boost::asio::awaitable<http::error_code> send_trailers(const http::Headers& t) override {
    trailers = t;
    ended = true;
    co_return http::error_code{};
  }
  bool head_sent() const override { return head.has_value(); }
  bool finished() const override { return ended || was_reset; }
  void reset() override { was_reset = true; }

 private:
  boost::asio::any_io_executor ex_;
  std::size_t pos_ = 0;
};

}  // namespace strata::test
