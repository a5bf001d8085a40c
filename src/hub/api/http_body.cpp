#include "hub/api/http_body.hpp"

#include <span>

namespace strata::hub::api {

namespace asio = boost::asio;

asio::awaitable<std::optional<std::string>> read_body_bounded(http::Exchange& ex, std::size_t max,
                                                              bool& too_big) {
  too_big = false;
  auto& req = ex.request();
  if (req.content_length && *req.content_length > max) {
    too_big = true;
    co_return std::nullopt;
  }
  std::string body;
  if (!req.has_body) co_return body;
  char buf[16 * 1024];
  for (;;) {
    auto r = co_await ex.read_body(std::span<char>(buf, sizeof buf));
    if (r.ec) {
      too_big = r.ec == boost::system::errc::message_size;
      co_return std::nullopt;
    }
    if (r.n == 0) break;
    if (body.size() + r.n > max) {
      too_big = true;
      co_return std::nullopt;
    }
    body.append(buf, r.n);
  }
  co_return body;
}

asio::awaitable<void> send_json(http::Exchange& ex, int status, std::string_view body,
                                std::string_view extra_name, std::string_view extra_value) {
  http::Response r;
  r.status = status;
  r.headers.add("content-type", "application/json");
  r.headers.add("cache-control", "no-store");
  if (!extra_name.empty()) r.headers.add(extra_name, extra_value);
  r.headers.add("content-length", std::to_string(body.size()));
  if (co_await ex.send_head(r, false)) co_return;
  co_await ex.send_body(std::span<const char>(body.data(), body.size()), true);
}

}  // namespace strata::hub::api
