// A tunnel's byte stream, whatever protocol carries it: the raw transport
// after an HTTP/1.1 protocol switch (101), or the DATA of one HTTP/2 or
// HTTP/3 stream after a 2xx answer to CONNECT (RFC 9113 8.5, RFC 8441,
// RFC 9220). Exchange::tunnel() hands one out; the proxy relays bytes
// between two of them (upstream/tunnel/). Thread: the executor of the
// exchange or transport it came from; read_some() and write() may be
// pending at the same time (one each), nothing else concurrently.
#pragma once
#include <cstddef>
#include <memory>
#include <span>
#include <string>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>

#include "http/exchange.hpp"

namespace strata::io {
class Transport;
}

namespace strata::http {

class ByteStream {
 public:
  virtual ~ByteStream() = default;
  // Next bytes: n > 0, or n == 0 without error at the peer's end of data
  // (FIN / END_STREAM), or an error.
  virtual boost::asio::awaitable<IoResult> read_some(std::span<char> buf) = 0;
  // Writes all of `data`; completes when the carrier took it within its
  // buffer limit (backpressure).
  virtual boost::asio::awaitable<error_code> write(std::span<const char> data) = 0;
  // Half-close: no more writes (TCP shutdown(send) or a TLS close_notify,
  // END_STREAM on h2, FIN on h3). Reads go on.
  virtual boost::asio::awaitable<void> shutdown_write() = 0;
  // Abort both ways (TCP close, RST_STREAM / RESET_STREAM). Pending
  // operations complete with an error. Idempotent.
  virtual void close() = 0;
  virtual boost::asio::any_io_executor executor() const = 0;
};

// The byte stream over a transport; `pending` (bytes already read past a
// protocol switch) is returned by the first reads.
std::unique_ptr<ByteStream> transport_stream(std::unique_ptr<io::Transport> t,
                                             std::string pending = {});

// The byte stream over an exchange whose 2xx head went out without
// END_STREAM: reads are read_body(), writes send_body(), shutdown_write()
// ends the response, close() resets the exchange. `ex` must outlive it.
std::unique_ptr<ByteStream> exchange_stream(Exchange& ex);

// What a request asks to tunnel, if anything.
enum class TunnelKind {
  none,
  upgrade,           // HTTP/1.1 Upgrade (is_upgrade_request)
  extended_connect,  // HTTP/2 / HTTP/3 CONNECT with :protocol (RFC 8441, RFC 9220)
  connect,           // plain CONNECT to host:port (RFC 9110 9.3.6), any protocol
};
TunnelKind tunnel_kind(const Request& r);

}  // namespace strata::http
