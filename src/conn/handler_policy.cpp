#include "conn/handler_policy.hpp"

#include <exception>

namespace strata::conn {

obs::Counter& handler_errors(http::Protocol p) {
  static obs::Counter& h1 = obs::counter(
      "strata_http1_handler_errors_total", "HTTP/1 handlers that threw or left a response unfinished");
  static obs::Counter& h2 = obs::counter(
      "strata_http2_handler_errors_total", "HTTP/2 handlers that threw or left a stream unfinished");
  static obs::Counter& h3 = obs::counter(
      "strata_http3_handler_errors_total", "HTTP/3 handlers that threw or left a stream unfinished");
  switch (p) {
    case http::Protocol::h2: return h2;
    case http::Protocol::h3: return h3;
    default: return h1;
  }
}

HandlerEnd settle(const http::Exchange& ex, http::Protocol p, bool threw, bool body_error,
                  bool alive) {
  HandlerEnd end = HandlerEnd::complete;
  if (alive && !ex.finished()) end = ex.head_sent() ? HandlerEnd::cut : HandlerEnd::respond;
  bool error = threw || end == HandlerEnd::cut || (end == HandlerEnd::respond && !body_error);
  if (error) handler_errors(p).inc();
  return end;
}

}  // namespace strata::conn
