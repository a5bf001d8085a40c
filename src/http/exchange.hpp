// One request/response exchange as seen by filters, the router and
// upstreams, whatever protocol carried it. Implemented by each codec's
// connection driver (conn/). All methods must be called on the owning
// connection's executor (its worker thread). Full duplex where the driver
// allows it: one coroutine may read the request body while another writes
// the response (HTTP/2, HTTP/3); otherwise one coroutine at a time.
#pragma once
#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/system/error_code.hpp>

#include "core/io_result.hpp"
#include "http/message.hpp"

namespace strata::io {
class Transport;
}

namespace strata::http {

struct RequestContext;  // http/context.hpp
class ByteStream;  // http/tunnel.hpp

using boost::system::error_code;

using IoResult = core::IoResult;  // core/io_result.hpp

class Exchange {
 public:
  virtual ~Exchange() = default;

  virtual Request& request() = 0;
  virtual const ConnInfo& conn() const = 0;
  virtual boost::asio::any_io_executor executor() const = 0;

  // Reads the next piece of the request body into `buf`. Returns n > 0 with
  // data, n == 0 and no error at the end of the body, or an error (client
  // gone, body over the limit -> errc::message_size, stream reset). HTTP/1.1
  // sends "100 Continue" on the first call when the client asked for it.
  virtual boost::asio::awaitable<IoResult> read_body(std::span<char> buf) = 0;
  // Request trailers, valid once read_body() reported the end; may be null.
  virtual const Headers* request_trailers() const = 0;

  // 1xx informational response (103 Early Hints); ignored by HTTP/1.0.
  virtual boost::asio::awaitable<error_code> send_interim(const Response& r) = 0;
  // The final response head. With `end_stream` the response has no body.
  // A `content-length` field makes HTTP/1.1 use it; otherwise chunked.
  // Bodies of HEAD requests and 204/304 responses are dropped by the codec.
  virtual boost::asio::awaitable<error_code> send_head(Response& r, bool end_stream) = 0;
  // Body bytes; completes when the codec has buffered them within its
  // per-stream limit (this is the backpressure point).
  virtual boost::asio::awaitable<error_code> send_body(std::span<const char> data,
                                                       bool end_stream) = 0;
  // Ends the response with trailers (chunked h1, HEADERS frame on h2/h3).
  virtual boost::asio::awaitable<error_code> send_trailers(const Headers& t) = 0;

  // Sends without a coroutine frame (the proxy's relay loop; see
  // http::send_head_fast / send_body_fast below). When sends_now() is true,
  // send_head_now() and send_body_now() do what send_head() and send_body()
  // do and return true with the result in `ec`, or false when the send has
  // begun but must wait (a full socket, flow control): the caller then
  // co_awaits finish_send() before anything else on this exchange, and the
  // bytes `data` points to stay valid until that completes. Decorators
  // forward them when they have nothing to do that could wait. Defaults:
  // not supported (sends_now() false; the others fail with
  // operation_not_supported).
  virtual bool sends_now() const { return false; }
  virtual bool send_head_now(Response& r, bool end_stream, error_code& ec);
  virtual bool send_body_now(std::span<const char> data, bool end_stream, error_code& ec);
  virtual boost::asio::awaitable<error_code> finish_send();
  // RFC 9218: the response's priority (urgency 0 highest .. 7, incremental)
  // when the request carried no `priority` field: the route's default
  // (config::RoutePriority), applied by the pipeline on the codec's own
  // exchange. HTTP/2 and HTTP/3 schedule DATA by it; a client's
  // PRIORITY_UPDATE that already arrived is kept. Default: ignored (HTTP/1.1).
  virtual void set_priority(std::uint8_t urgency, bool incremental) {
    (void)urgency, (void)incremental;
  }
  virtual bool head_sent() const = 0;
  virtual bool finished() const = 0;  // response fully handed to the codec
  // Aborts the exchange: RST_STREAM on h2/h3, connection close on h1.
  virtual void reset() = 0;

  // Protocol switch (RFC 9110 7.8): on an HTTP/1.1 exchange whose request
  // carried "Connection: upgrade" and an Upgrade field and whose body is
  // fully read (or absent), sends `r101` (status 101; its fields, e.g.
  // "upgrade", go out as given; the codec adds "connection: upgrade") and
  // hands over the raw byte stream plus the bytes already read past the
  // request head (`leftover`). The codec then stops HTTP processing on that
  // connection and never touches the returned transport again; the caller
  // owns (and closes) it. Returns null, sending nothing, when the exchange
  // cannot switch: another protocol (HTTP/2, HTTP/3: not supported), no
  // upgrade request, head already sent, body pending, or a write error.
  // Default: null (codecs without support).
  virtual boost::asio::awaitable<std::unique_ptr<io::Transport>> upgrade(Response& r101,
                                                                        std::string& leftover);

  // The request's context (http/context.hpp), owned by the pipeline that
  // created this exchange's outermost decorator; decorators forward it.
  // Null when no pipeline runs the exchange (codec-level tests, direct
  // Upstreams::proxy callers). Default: null.
  virtual RequestContext* context() { return nullptr; }
  // Accepts a tunnel and returns its byte stream (http/tunnel.hpp), or null
  // having sent nothing (or only what failed to go out) when the request
  // cannot be tunnelled:
  //  - HTTP/1.1 Upgrade request: `ok` must be a 101 with an "upgrade"
  //    field; upgrade() is used, the stream is the raw transport.
  //  - CONNECT on HTTP/2 or HTTP/3 (extended with :protocol, or plain):
  //    `ok` must be 2xx; it goes out without END_STREAM (no content-length)
  //    and the stream carries the request and response DATA both ways.
  //  - plain CONNECT on HTTP/1.1: `ok` must be 2xx; the head goes out and
  //    the connection becomes the raw stream (as a 101 would).
  // The codec never applies limits.max_body or timeouts.body_idle to a
  // CONNECT stream; the caller bounds the tunnel (idle timeout). Default:
  // built on upgrade(), send_head(), read_body() and send_body(), so
  // decorators need not forward it.
  virtual boost::asio::awaitable<std::unique_ptr<ByteStream>> tunnel(Response& ok);
};

// send_head / send_body through the synchronous protocol when the exchange
// supports it, else the coroutine: plain functions (no frame of their own)
// that hand back an awaitable only when something must wait. Use as
//   auto sent = http::send_body_fast(ex, data, end);
//   if (!sent.done) sent.ec = co_await std::move(sent.wait);
//   if (sent.ec) ...;
struct Send {
  bool done = false;
  error_code ec;
  boost::asio::awaitable<error_code> wait;  // when !done
};
inline Send send_head_fast(Exchange& ex, Response& r, bool end_stream) {
  Send s;
  if (!ex.sends_now()) s.wait = ex.send_head(r, end_stream);
  else if (ex.send_head_now(r, end_stream, s.ec)) s.done = true;
  else s.wait = ex.finish_send();
  return s;
}
inline Send send_body_fast(Exchange& ex, std::span<const char> data, bool end_stream) {
  Send s;
  if (!ex.sends_now()) s.wait = ex.send_body(data, end_stream);
  else if (ex.send_body_now(data, end_stream, s.ec)) s.done = true;
  else s.wait = ex.finish_send();
  return s;
}

// True when `r` asks for an HTTP/1.1 protocol switch: HTTP/1.1, an Upgrade
// field, and a Connection field naming "upgrade".
bool is_upgrade_request(const Request& r);

// The application side: filters + router + actions. The codec creates one
// Exchange per request, calls handle() in its own coroutine and, if the
// handler returns without finishing the response, sends 500 (or resets the
// stream when the head was already sent).
class Handler {
 public:
  virtual ~Handler() = default;
  virtual boost::asio::awaitable<void> handle(Exchange& ex) = 0;
};

// Convenience: a complete response with a small body.
boost::asio::awaitable<error_code> respond(Exchange& ex, int status, std::string_view body,
                                           std::string_view content_type = "text/plain");

}  // namespace strata::http
