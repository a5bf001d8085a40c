// Byte tunnel between two byte streams (http/tunnel.hpp): the client's
// (an HTTP/1.1 connection after 101, or an HTTP/2 / HTTP/3 stream after a
// 2xx to CONNECT) and the upstream's. Two pumps, one per direction, each
// with one bounded buffer of `chunk` bytes (a read waits until the
// previous write finished: backpressure). The end of one side's data is
// passed on as a half-close of the other (TCP shutdown(send), END_STREAM,
// FIN; TLS has no half-close, so its side is shut down gracefully). An
// error on either side closes both. `idle` without a byte in either
// direction closes both. Runs on the streams' executor (one worker thread).
#pragma once
#include <chrono>
#include <cstddef>
#include <string_view>

#include <boost/asio/awaitable.hpp>

namespace strata::http {
class ByteStream;
}

namespace strata::upstream::tunnel {

struct Options {
  std::size_t chunk = 64 * 1024;
  std::chrono::milliseconds idle{60000};
};

enum class End {
  closed,    // both directions reached their end
  error,     // a read or write failed
  idle,      // idle timeout
};

// Returns when both pumps ended.
boost::asio::awaitable<End> run(http::ByteStream& a, http::ByteStream& b, const Options& opt);

std::string_view end_name(End e);  // "closed" | "error" | "idle"

}  // namespace strata::upstream::tunnel
