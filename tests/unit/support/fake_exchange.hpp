// Test helper, the one fake http::Exchange of the unit tests: serves a
// canned request and records everything sent back. Single-threaded; use on
// the io_context that runs the test coroutines (run_handler() below runs a
// handler on a local io_context, no sleeps).
//
// Request body: the pieces in `body_chunks` when any were given (each read
// returns at most one piece), else `request_body` in `read_chunk` pieces
// (set_body() sets it with has_body and content-length). Trailers in
// `req_trailers` are reported once the body was read to its end.
// Context: `ctx` (null by default) is what context() returns.
// Peer: 192.0.2.10 when built from an executor (proxy tests), 127.0.0.1
// with listener "test" when built from an io_context (router tests).
#pragma once
#include <algorithm>
#include <cstring>
#include <deque>
#include <exception>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>

#include "http/exchange.hpp"

namespace strata::test {

class FakeExchange : public http::Exchange {
 public:
  explicit FakeExchange(boost::asio::any_io_executor ex) : ex_(std::move(ex)) {
    init();
    conn_info.peer_ip = "192.0.2.10";
  }
  explicit FakeExchange(boost::asio::io_context& io) : ex_(io.get_executor()) {
    init();
    conn_info.peer_ip = "127.0.0.1";
    conn_info.listener = "test";
  }

  // Request side (set before use).
  http::Request req;
  http::ConnInfo conn_info;
  std::string request_body;             // served by read_body() when body_chunks is empty
  std::size_t read_chunk = 16 * 1024;
  std::deque<std::string> body_chunks;  // request body pieces
  http::Headers req_trailers;
  bool body_done = false;               // read_body() reported the end
  http::RequestContext* ctx = nullptr;  // returned by context()

  // Response side (recorded).
  std::vector<http::Response> interims;
  std::optional<http::Response> head;
  bool head_end_stream = false;
  std::string body;
  std::optional<http::Headers> trailers;
  bool ended = false;
  bool was_reset = false;
  int body_calls = 0;
  int empty_end_calls = 0;  // send_body calls with no bytes and end_stream
  std::size_t max_chunk = 0;
  // The synchronous send protocol (http::Exchange::sends_now): off unless
  // `sync_sends`; with `now_waits` every send_body_now reports a wait, so
  // the caller must finish it with finish_send().
  bool sync_sends = false;
  bool now_waits = false;
  int now_calls = 0;     // send_head_now + send_body_now
  int finish_calls = 0;  // finish_send

  void set_body(std::string b) {
    request_body = std::move(b);
    req.has_body = true;
    req.content_length = request_body.size();
  }
  int status() const { return head ? head->status : 0; }
  std::string header(std::string_view n) const {
    if (!head) return {};
    auto v = head->headers.get(n);
    return v ? std::string(*v) : std::string();
  }

  http::Request& request() override { return req; }
  const http::ConnInfo& conn() const override { return conn_info; }
  boost::asio::any_io_executor executor() const override { return ex_; }
  http::RequestContext* context() override { return ctx; }

  boost::asio::awaitable<http::IoResult> read_body(std::span<char> buf) override {
    if (!body_chunks.empty()) {
      auto& front = body_chunks.front();
      const std::size_t n = std::min(buf.size(), front.size());
      std::memcpy(buf.data(), front.data(), n);
      front.erase(0, n);
      if (front.empty()) body_chunks.pop_front();
      co_return http::IoResult{{}, n};
    }
    const std::size_t n = std::min({buf.size(), read_chunk, request_body.size() - pos_});
    std::copy_n(request_body.data() + pos_, n, buf.data());
    pos_ += n;
    if (n == 0) body_done = true;
    co_return http::IoResult{{}, n};
  }
  const http::Headers* request_trailers() const override {
    return body_done && !req_trailers.empty() ? &req_trailers : nullptr;
  }

  boost::asio::awaitable<http::error_code> send_interim(const http::Response& r) override {
    interims.push_back(r);
    co_return http::error_code{};
  }
  boost::asio::awaitable<http::error_code> send_head(http::Response& r, bool end) override {
    record_head(r, end);
    co_return http::error_code{};
  }
  boost::asio::awaitable<http::error_code> send_body(std::span<const char> d, bool end) override {
    record_body(d, end);
    co_return http::error_code{};
  }
  bool sends_now() const override { return sync_sends; }
  bool send_head_now(http::Response& r, bool end, http::error_code& ec) override {
    ++now_calls;
    record_head(r, end);
    ec = {};
    return true;
  }
  bool send_body_now(std::span<const char> d, bool end, http::error_code& ec) override {
    ++now_calls;
    ec = {};
    if (!now_waits) {
      record_body(d, end);
      return true;
    }
    waiting_ = d;  // read only in finish_send: the caller must keep the bytes until then
    waiting_end_ = end;
    return false;
  }
  boost::asio::awaitable<http::error_code> finish_send() override {
    ++finish_calls;
    record_body(waiting_, waiting_end_);
    waiting_ = {};
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
  void record_head(const http::Response& r, bool end) {
    head = r;
    head_end_stream = end;
    ended = end;
  }
  void record_body(std::span<const char> d, bool end) {
    body.append(d.data(), d.size());
    ++body_calls;
    if (d.empty() && end) ++empty_end_calls;
    max_chunk = std::max(max_chunk, d.size());
    ended = ended || end;
  }
  void init() {
    req.method = "GET";
    req.scheme = "http";
    req.authority = "example.test";
    req.target = "/";
    conn_info.peer_port = 40000;
  }
  boost::asio::any_io_executor ex_;
  std::size_t pos_ = 0;
  std::span<const char> waiting_;  // a send_body_now that reported a wait
  bool waiting_end_ = false;
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
