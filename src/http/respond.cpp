#include <string>

#include "http/exchange.hpp"

namespace strata::http {

boost::asio::awaitable<error_code> respond(Exchange& ex, int status, std::string_view body,
                                           std::string_view content_type) {
  Response r;
  r.status = status;
  if (!body.empty()) r.headers.add("content-type", content_type);
  r.headers.add("content-length", std::to_string(body.size()));
  if (body.empty()) co_return co_await ex.send_head(r, true);
  if (auto ec = co_await ex.send_head(r, false)) co_return ec;
  co_return co_await ex.send_body(std::span<const char>(body.data(), body.size()), true);
}

}  // namespace strata::http
