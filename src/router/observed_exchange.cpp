#include "router/observed_exchange.hpp"

#include "io/transport.hpp"
#include "router/route_table.hpp"

namespace strata::router {

boost::asio::awaitable<http::IoResult> ObservedExchange::read_body(std::span<char> buf) {
  auto r = co_await inner_.read_body(buf);
  received_ += r.n;
  co_return r;
}

boost::asio::awaitable<http::error_code> ObservedExchange::send_head(http::Response& r,
                                                                     bool end_stream) {
  if (route_ && route_->edits_response()) {
    for (const auto& n : route_->response_remove) r.headers.remove(n);
    for (const auto& [k, v] : route_->response_add) r.headers.set(k, v);
  }
  status_ = r.status;
  co_return co_await inner_.send_head(r, end_stream);
}

boost::asio::awaitable<std::unique_ptr<io::Transport>> ObservedExchange::upgrade(
    http::Response& r101, std::string& leftover) {
  if (route_ && route_->edits_response()) {
    for (const auto& n : route_->response_remove) r101.headers.remove(n);
    for (const auto& [k, v] : route_->response_add) r101.headers.set(k, v);
  }
  auto t = co_await inner_.upgrade(r101, leftover);
  if (t) status_ = r101.status;
  co_return t;
}

boost::asio::awaitable<http::error_code> ObservedExchange::send_body(std::span<const char> data,
                                                                     bool end_stream) {
  sent_ += data.size();
  co_return co_await inner_.send_body(data, end_stream);
}

}  // namespace strata::router
