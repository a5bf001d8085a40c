// Forwards one exchange over a stream of an upstream HTTP/2 connection.
// Response events (1xx, head, body, trailers) are relayed as soon as they
// arrive, and the request body is read from the Exchange and queued on the
// stream whenever its send buffer is below `chunk` bytes. Backpressure: the
// stream's receive window reopens only as response bytes are handed to
// Exchange::send_body, and the request body is read only as the upstream
// drains it. Full duplex for HTTP/2 and HTTP/3 clients: the request body
// is read by a second coroutine, so a bidirectional stream whose client
// waits for each reply before sending more (gRPC) flows. HTTP/1.x clients
// (whose exchange allows one coroutine at a time): one coroutine
// interleaves both directions, and while read_body waits for the client
// nothing is relayed downstream.
//
// H2Body remembers the request body bytes already read (up to
// `replay_limit`) so a refused stream can be retried on another connection.
#pragma once
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include <boost/asio/awaitable.hpp>

#include "http/exchange.hpp"
#include "upstream/pool/h2_conn.hpp"
#include "upstream/pool/upstream_request.hpp"

namespace strata::upstream::pool {

enum class H2Outcome {
  ok,                  // response fully relayed
  refused,             // not processed by the upstream (REFUSED_STREAM, GOAWAY): retryable
  failed_no_response,  // stream/connection failed before the response head
  failed_mid_response, // failed after the response head was relayed
  bad_response,        // malformed/oversized response head
  downstream_failed,   // read_body / send_* failed
  timed_out,           // cancelled by the caller's deadline
};

struct H2Result {
  H2Outcome outcome = H2Outcome::ok;
  int status = 0;
};

// The downstream request body, replayable while it stayed under the limit.
class H2Body {
 public:
  H2Body(http::Exchange& ex, std::size_t replay_limit) : ex_(ex), limit_(replay_limit) {}
  // Next bytes (n == 0: end of body). Replays remembered bytes first.
  boost::asio::awaitable<http::IoResult> next(std::span<char> buf);
  const http::Headers* trailers() const { return ex_.request_trailers(); }
  // Rewinds for a retry; false when bytes were read past the limit.
  bool rewind();

 private:
  http::Exchange& ex_;
  std::size_t limit_;
  std::string kept_;
  std::size_t pos_ = 0;
  bool ended_ = false;
  bool lost_ = false;
};

// Cancels an in-flight h2_forward (the deadline): sets the flag and wakes
// the stream's coroutine, which resets the stream.
struct H2Cancel {
  bool fired = false;
  StreamWaker* waker = nullptr;
  void fire() {
    fired = true;
    if (waker) waker->notify();
  }
};

struct H2ForwardOptions {
  std::size_t chunk = 64 * 1024;  // request bytes queued per stream / relay buffer
};

// `conn` must have room (from H2Pool::acquire). The stream is released on
// return (RST_STREAM(CANCEL) if it is still open).
boost::asio::awaitable<H2Result> h2_forward(std::shared_ptr<H2Conn> conn, const UpstreamRequest& req,
                                            http::Exchange& ex, H2Body& body,
                                            const H2ForwardOptions& opt, H2Cancel& cancel);

}  // namespace strata::upstream::pool
