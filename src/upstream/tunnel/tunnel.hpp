// Byte tunnel between two transports after a protocol switch (101): two
// pumps, one per direction, each with one bounded buffer of `chunk` bytes
// (a read waits until the previous write finished: backpressure). EOF on
// one side is passed on as a half-close of the other (TCP shutdown(send);
// TLS has no half-close, so its side is shut down gracefully). An error on
// either side closes both. `idle` without a byte in either direction
// closes both. Runs on the transports' executor (one worker thread).
#pragma once
#include <chrono>
#include <cstddef>
#include <string>

#include <boost/asio/awaitable.hpp>

namespace strata::io {
class Transport;
}

namespace strata::upstream::tunnel {

struct Options {
  std::size_t chunk = 64 * 1024;
  std::chrono::milliseconds idle{60000};
};

enum class End {
  closed,    // both directions reached EOF
  error,     // a read or write failed
  idle,      // idle timeout
};

// `a_pending` is written to `b` first, `b_pending` to `a` (bytes that were
// read past the 101 on either side). Returns when both pumps ended.
boost::asio::awaitable<End> run(io::Transport& a, std::string a_pending, io::Transport& b,
                                std::string b_pending, const Options& opt);

std::string_view end_name(End e);  // "closed" | "error" | "idle"

}  // namespace strata::upstream::tunnel
