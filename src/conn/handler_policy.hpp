// How every connection driver (HTTP/1.1, HTTP/2, HTTP/3) runs a handler and
// ends an exchange the handler left unfinished. One policy:
//   - a handler that throws is treated as one that returned;
//   - response finished: nothing to do;
//   - head not sent yet: the driver answers 500 (or 413 after a request
//     body over max_body, or the h1 body error status);
//   - head sent but the response not finished: the stream is reset
//     (h2/h3) or the connection closed (h1), since only that tells the
//     client the response is cut;
//   - a handler that threw or left its response unfinished is counted once
//     in handler_errors(protocol) (except an unsent head explained by a
//     request body error, which is the client's fault), unless the
//     connection is already gone (the client left; nothing to answer).
// Thread: the exchange's executor.
#pragma once
#include <boost/asio/awaitable.hpp>

#include "http/exchange.hpp"
#include "obs/metrics.hpp"

namespace strata::conn {

enum class HandlerEnd : std::uint8_t {
  complete,  // response finished, or the connection is gone
  respond,   // head not sent: send an error response
  cut,       // head sent, body unfinished: reset the stream / close
};

// strata_http1_handler_errors_total, strata_http2_handler_errors_total,
// strata_http3_handler_errors_total (by ex.request().protocol).
obs::Counter& handler_errors(http::Protocol p);


// Decides (and counts) how to end `ex` after its handler. `body_error`: a
// request body error was reported to the handler (413/400 answer).
// `alive`: the connection can still send.
HandlerEnd settle(const http::Exchange& ex, http::Protocol p, bool threw, bool body_error,
                  bool alive);

}  // namespace strata::conn
