// An Exchange decorator the pipeline wraps around each request: it applies
// the matched route's response header edits in send_head and records what
// went out (status, body bytes) and came in (request body bytes) for the
// metrics and the access log. Lives on the handler's coroutine frame (no
// allocation); same thread rules as the wrapped exchange.
#pragma once
#include <cstdint>

#include "http/exchange.hpp"

namespace strata::router {

struct CompiledRoute;

class ObservedExchange final : public http::Exchange {
 public:
  explicit ObservedExchange(http::Exchange& inner) : inner_(inner) {}

  // Response edits to apply from now on (null: none).
  void set_route(const CompiledRoute* r) { route_ = r; }

  int status() const { return status_; }             // 0 until a head was sent
  std::uint64_t bytes_sent() const { return sent_; }  // response body bytes
  std::uint64_t bytes_received() const { return received_; }

  http::Request& request() override { return inner_.request(); }
  const http::ConnInfo& conn() const override { return inner_.conn(); }
  boost::asio::any_io_executor executor() const override { return inner_.executor(); }
  boost::asio::awaitable<http::IoResult> read_body(std::span<char> buf) override;
  const http::Headers* request_trailers() const override { return inner_.request_trailers(); }
  boost::asio::awaitable<http::error_code> send_interim(const http::Response& r) override {
    return inner_.send_interim(r);
  }
  boost::asio::awaitable<http::error_code> send_head(http::Response& r, bool end_stream) override;
  boost::asio::awaitable<http::error_code> send_body(std::span<const char> data,
                                                     bool end_stream) override;
  boost::asio::awaitable<http::error_code> send_trailers(const http::Headers& t) override {
    return inner_.send_trailers(t);
  }
  bool head_sent() const override { return inner_.head_sent(); }
  bool finished() const override { return inner_.finished(); }
  void reset() override { inner_.reset(); }
  // Forwards (with the route's response edits); status() is 101 once switched.
  boost::asio::awaitable<std::unique_ptr<io::Transport>> upgrade(http::Response& r101,
                                                                 std::string& leftover) override;

 private:
  http::Exchange& inner_;
  const CompiledRoute* route_ = nullptr;
  int status_ = 0;
  std::uint64_t sent_ = 0;
  std::uint64_t received_ = 0;
};

}  // namespace strata::router
