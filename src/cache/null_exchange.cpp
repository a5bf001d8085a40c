#include "cache/null_exchange.hpp"

namespace strata::cache {

boost::asio::awaitable<http::IoResult> NullExchange::read_body(std::span<char>) {
  co_return http::IoResult{};
}

boost::asio::awaitable<http::error_code> NullExchange::send_interim(const http::Response&) {
  co_return http::error_code{};
}

boost::asio::awaitable<http::error_code> NullExchange::send_head(http::Response& r,
                                                                 bool end_stream) {
  head_sent_ = true;
  status_ = r.status;
  finished_ = end_stream;
  co_return http::error_code{};
}

boost::asio::awaitable<http::error_code> NullExchange::send_body(std::span<const char>,
                                                                 bool end_stream) {
  if (end_stream) finished_ = true;
  co_return http::error_code{};
}

boost::asio::awaitable<http::error_code> NullExchange::send_trailers(const http::Headers&) {
  finished_ = true;
  co_return http::error_code{};
}

}  // namespace strata::cache
