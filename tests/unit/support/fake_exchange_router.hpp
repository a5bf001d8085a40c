// A scripted in-memory http::Exchange for router/origin/access-log tests.
// The request body is served from `body_chunks`; everything the handler
// sends is recorded. Run coroutines with run_handler() on a local
// io_context (single thread, no sleeps).
#pragma once
#include <cstring>
#include <deque>
#include <memory>
#include <string>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>

#include "http/exchange.hpp"

namespace strata::test {

class RouterFakeExchange : public http::Exchange {
 public:
  explicit RouterFakeExchange(boost::asio::io_context& io) : io_(io) {
    req.method = "GET";
    req.scheme = "http";
    req.authority = "example.test";
    req.target = "/";
    info.peer_ip = "127.0.0.1";
    info.peer_port = 40000;
    info.listener = "test";
  }

  http::Request req;
  http::ConnInfo info;
  std::deque<std::string> body_chunks;  // request body pieces
  http::Headers req_trailers;
  bool body_done = false;

  // Recorded output.
  std::optional<http::Response> head;
  std::vector<http::Response> interims;
  bool head_end_stream = false;
  std::string body;
  std::size_t body_calls = 0;
  std::size_t max_chunk = 0;
  bool ended = false;
  std::optional<http::Headers> trailers;
  bool was_reset = false;

  int status() const { return head ? head->status : 0; }
  std::string header(std::string_view n) const {
    if (!head) return {};
    auto v = head->headers.get(n);
    return v ? std::string(*v) : std::string();
  }

  http::Request& request() override { return req; }
  const http::ConnInfo& conn() const override { return info; }
  boost::asio::any_io_executor executor() const override { return io_.get_executor(); }

  boost::asio::awaitable<http::IoResult> read_body(std::span<char> buf) override {
    if (body_chunks.empty()) {
      body_done = true;
      co_return http::IoResult{};
    }
    auto& front = body_chunks.front();
    std::size_t n = std::min(buf.size(), front.size());
    std::memcpy(buf.data(), front.data(), n);
    front.erase(0, n);
    if (front.empty()) body_chunks.pop_front();
    co_return http::IoResult{{}, n};
  }
  const http::Headers* request_trailers() const override {
    return body_done ? &req_trailers : nullptr;
  }
  boost::asio::awaitable<http::error_code> send_interim(const http::Response& r) override {
    interims.push_back(r);
    co_return http::error_code{};
  }
  boost::asio::awaitable<http::error_code> send_head(http::Response& r, bool end_stream) override {
    head = r;
    head_end_stream = end_stream;
    ended = end_stream;
    co_return http::error_code{};
  }
  boost::asio::awaitable<http::error_code> send_body(std::span<const char> d,
                                                     bool end_stream) override {
    body.append(d.data(), d.size());
    ++body_calls;
    max_chunk = std::max(max_chunk, d.size());
    if (end_stream) ended = true;
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
  boost::asio::io_context& io_;
};

// Runs `h.handle(ex)` to completion on `io`; rethrows handler exceptions.
template <class H>
void run_handler(boost::asio::io_context& io, H& h, http::Exchange& ex) {
  std::exception_ptr err;
  bool done = false;
  boost::asio::co_spawn(io, h.handle(ex), [&](std::exception_ptr e) {
    err = e;
    done = true;
  });
  io.restart();
  io.run();
  if (!done) throw std::runtime_error("handler did not complete");
  if (err) std::rethrow_exception(err);
}

}  // namespace strata::test
