// Forwards one exchange over an upstream HTTP/1.1 connection: writes the
// request head, streams the request body from Exchange::read_body
// (content-length or chunked), parses the response with the strict
// codec::http1::ResponseParser and streams it back through the Exchange
// (body, then trailers if the upstream sent chunked trailers). A response
// the parser refuses is never relayed: bad_response before the head went
// out (the proxy answers 502), failed_mid_response in the body (reset). Buffers are bounded by `chunk` bytes each way; every
// send waits for the other side (backpressure). The request body is sent
// before the response is read. A 101 is accepted only when `req.upgrade` is
// set; it ends with H1Outcome::upgraded and leaves the connection open.
#pragma once
#include <memory>
#include <cstddef>
#include <cstdint>

#include <boost/asio/awaitable.hpp>

#include "codec/http1/error.hpp"
#include "http/exchange.hpp"
#include "upstream/pool/h1_pool.hpp"
#include "upstream/pool/upstream_request.hpp"

namespace strata::upstream::pool {

enum class H1Outcome {
  ok,                  // response fully relayed
  failed_before_send,  // upstream failed before any response byte; request body not consumed
  failed_no_response,  // upstream failed before any response byte (body was consumed)
  failed_mid_response, // upstream failed after the response head was relayed
  bad_response,        // unparsable upstream response (before the head was relayed)
  downstream_failed,   // client went away (read_body / send_* failed)
  upgraded,            // 101 to an upgrade request: nothing relayed yet; the
                       // connection (and c.buf's bytes) now carry the new protocol
};

struct H1Result {
  H1Outcome outcome = H1Outcome::ok;
  bool reusable = false;  // connection may go back to the pool
  int status = 0;         // upstream status, once known
  http::error_code ec;
  // Why the upstream response was refused (bad_response, failed_mid_response
  // on bad framing; incomplete_message when it closed early).
  codec::http1::Error parse_error = codec::http1::Error::none;
  // With `upgraded`: the 101, hop-by-hop fields except "upgrade" removed
  // (a pointer: the common result stays small, it is copied up the try).
  std::unique_ptr<http::Response> switching;
};

struct H1Options {
  std::size_t chunk = 64 * 1024;       // body buffer each way
  std::uint32_t max_header_bytes = 64 * 1024;  // response head (status line + fields)
  std::uint32_t max_headers = 1000;            // fields in a response head / trailers
  // The client asked for a tunnel (extended CONNECT turned into an Upgrade):
  // a final 2xx that is not a 101 would tell it the tunnel is open, so it is
  // refused (bad_response -> 502) instead of relayed. Default: off.
  bool require_switch = false;
};

boost::asio::awaitable<H1Result> h1_forward(H1Conn& c, const UpstreamRequest& req,
                                            http::Exchange& ex, const H1Options& opt);

// "METHOD target HTTP/1.1\r\nhost: ...\r\n...\r\n" with framing headers.
// Fields whose name or value hold CR, LF or NUL are dropped.
std::string serialize_h1_head(const UpstreamRequest& req);
// The same into `out` (cleared first; its storage reused).
void serialize_h1_head(const UpstreamRequest& req, std::string& out);
// The same from the start of `buf`, whose size is left at least what was
// written (a connection's head buffer: no zero-fill per request); returns
// the head's length.
std::size_t serialize_h1_head_reusing(const UpstreamRequest& req, std::string& buf);

}  // namespace strata::upstream::pool
