#include "io/socket_send.hpp"

#include <sys/sendfile.h>
#include <sys/socket.h>

#include <cerrno>

#include <boost/asio/error.hpp>

namespace strata::io {

namespace {
boost::system::error_code from_errno() {
  if (errno == EAGAIN || errno == EWOULDBLOCK) return boost::asio::error::would_block;
  return boost::system::error_code(errno, boost::system::system_category());
}
}  // namespace

std::size_t send_now(boost::asio::ip::tcp::socket& s, std::string_view bytes, bool more,
                     boost::system::error_code& ec) {
  for (;;) {
    const ssize_t r = ::send(s.native_handle(), bytes.data(), bytes.size(),
                             MSG_DONTWAIT | MSG_NOSIGNAL | (more ? MSG_MORE : 0));
    if (r >= 0) {
      ec.clear();
      return std::size_t(r);
    }
    if (errno == EINTR) continue;
    ec = from_errno();
    return 0;
  }
}

std::size_t send_file_now(boost::asio::ip::tcp::socket& s, int fd, std::uint64_t offset,
                          std::uint64_t len, boost::system::error_code& ec) {
  // sendfile has no MSG_DONTWAIT: the descriptor itself must not block.
  if (!s.native_non_blocking()) {
    s.native_non_blocking(true, ec);
    if (ec) return 0;
  }
  constexpr std::uint64_t kMax = 0x7ffff000;  // what one sendfile moves at most on Linux
  for (;;) {
    off_t off = off_t(offset);
    const ssize_t r = ::sendfile(s.native_handle(), fd, &off, std::size_t(len < kMax ? len : kMax));
    if (r >= 0) {
      ec.clear();
      return std::size_t(r);
    }
    if (errno == EINTR) continue;
    ec = from_errno();
    return 0;
  }
}

}  // namespace strata::io
