// Non-blocking sends on a plain TCP socket that Transport does not offer:
// bytes, optionally with MSG_MORE (they wait for what follows, e.g. a
// response head for its body), and a file region with sendfile(2) (zero copy: the socket takes
// references to the file's pages). Each call makes one system call and
// never waits: it returns the bytes sent (may be fewer than asked) with `ec`
// clear, or 0 with would_block when the socket is full (wait for
// writability and call again), or 0 with the error. Caller's thread; the
// socket must not have another write in flight.
#pragma once
#include <cstddef>
#include <cstdint>
#include <string_view>

#include <boost/asio/ip/tcp.hpp>

namespace strata::io {

// `more`: MSG_MORE (the bytes wait, up to a segment, for the next send).
std::size_t send_now(boost::asio::ip::tcp::socket& s, std::string_view bytes, bool more,
                     boost::system::error_code& ec);
std::size_t send_file_now(boost::asio::ip::tcp::socket& s, int fd, std::uint64_t offset,
                          std::uint64_t len, boost::system::error_code& ec);

}  // namespace strata::io
