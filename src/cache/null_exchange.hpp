// An exchange with no client: the request is given, the response is
// dropped. The cached proxy runs a background revalidation
// (stale-while-revalidate) through it. Lives on one executor's thread.
#pragma once
#include "http/exchange.hpp"

namespace strata::cache {

class NullExchange final : public http::Exchange {
 public:
  NullExchange(http::Request req, http::ConnInfo conn, boost::asio::any_io_executor ex)
      : req_(std::move(req)), conn_(std::move(conn)), ex_(std::move(ex)) {}

  http::Request& request() override { return req_; }
  const http::ConnInfo& conn() const override { return conn_; }
  boost::asio::any_io_executor executor() const override { return ex_; }
  boost::asio::awaitable<http::IoResult> read_body(std::span<char>) override;
  const http::Headers* request_trailers() const override { return nullptr; }
  boost::asio::awaitable<http::error_code> send_interim(const http::Response&) override;
  boost::asio::awaitable<http::error_code> send_head(http::Response& r, bool end_stream) override;
  boost::asio::awaitable<http::error_code> send_body(std::span<const char>, bool end_stream) override;
  boost::asio::awaitable<http::error_code> send_trailers(const http::Headers&) override;
  bool head_sent() const override { return head_sent_; }
  bool finished() const override { return finished_; }
  void reset() override { finished_ = true; }

  int status() const { return status_; }

 private:
  http::Request req_;
  http::ConnInfo conn_;
  boost::asio::any_io_executor ex_;
  bool head_sent_ = false, finished_ = false;
  int status_ = 0;
};

}  // namespace strata::cache
