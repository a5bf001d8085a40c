// send_file_body: a file region as body bytes, natively or through send_body.
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <vector>

#include "http/exchange.hpp"
#include "http/file_body.hpp"

namespace strata::http {

FileBodySink* native_file_sink(Exchange& ex) {
  auto* s = dynamic_cast<FileBodySink*>(&ex);
  return s && s->native_send_file() ? s : nullptr;
}

boost::asio::awaitable<error_code> send_file_body(Exchange& ex, int fd, std::uint64_t offset,
                                                  std::uint64_t len, std::string_view mapped,
                                                  bool end_stream) {
  if (len == 0) co_return co_await ex.send_body({}, end_stream);
  if (auto* s = native_file_sink(ex)) co_return co_await s->send_file(fd, offset, len, end_stream);
  // Larger pieces are split so an HTTP/2 or HTTP/3 stream buffers at most
  // this much beyond its limit at a time.
  constexpr std::size_t kPiece = 256 * 1024;
  if (mapped.size() == len) {
    for (std::size_t off = 0; off < mapped.size(); off += kPiece) {
      const auto n = std::min(kPiece, mapped.size() - off);
      if (auto ec = co_await ex.send_body(std::span<const char>(mapped.data() + off, n),
                                          end_stream && off + n == mapped.size()))
        co_return ec;
    }
    co_return error_code{};
  }
  std::vector<char> buf(std::size_t(std::min<std::uint64_t>(len, 64 * 1024)));
  std::uint64_t done = 0;
  while (done < len) {
    const std::size_t want = std::size_t(std::min<std::uint64_t>(len - done, buf.size()));
    const ssize_t n = ::pread(fd, buf.data(), want, off_t(offset + done));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) co_return error_code(errno, boost::system::system_category());
    if (n == 0)  // the file is shorter than promised
      co_return boost::system::errc::make_error_code(boost::system::errc::io_error);
    done += std::uint64_t(n);
    if (auto ec = co_await ex.send_body(std::span<const char>(buf.data(), std::size_t(n)),
                                        end_stream && done == len))
      co_return ec;
  }
  co_return error_code{};
}

}  // namespace strata::http
