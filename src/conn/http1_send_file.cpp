// Http1Connection as an http::FileBodySink: a response body from a file
// region over plain TCP. The queued head (and any batched responses before
// it) leave first, in their own segment, then the region goes with
// sendfile(2): the body is never copied through user space (the edge
// cache's body files, cache/body.hpp). A full socket is waited for
// (writability) under the write deadline, as finish_write does.
//
// Why the head is not held back with MSG_MORE to share a segment with the
// body: measured with BBR (bench/cache/hit, 100 KiB hits, Linux 6.18),
// corking head and body made every client connection leave BBR's startup
// for its pacing phase within the first responses, and from then on each
// response was paced out with a timer (hrtimer, timer interrupt, tasklet):
// ~3 µs more CPU per hit than sending the head at once, which is also what
// nginx does with `sendfile on; tcp_nopush off`. One small segment more per
// response costs less than that.
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/system/errc.hpp>

#include "conn/http1_connection.hpp"
#include "io/socket_send.hpp"

namespace strata::conn {

namespace asio = boost::asio;
namespace errc = boost::system::errc;

bool Http1Connection::native_send_file() const {
  return t_ && !t_->tls() && head_sent_ && !finished_ && !resp_chunked_ && !resp_no_body_ &&
         resp_has_length_ && !broken_ && !writing_;
}

asio::awaitable<http::error_code> Http1Connection::send_file(int fd, std::uint64_t offset,
                                                             std::uint64_t len, bool end_stream) {
  if (!native_send_file())  // the copying path (send_body) checks the rest
    co_return co_await http::send_file_body(*this, fd, offset, len, {}, end_stream);
  if (len > resp_remaining_) {
    len = resp_remaining_;  // never overrun the framing
    close_after_ = true;
  }
  resp_remaining_ -= len;
  if (end_stream && resp_remaining_ > 0) close_after_ = true;
  if (end_stream) finished_ = true;
  if (auto fec = co_await t_->flush()) co_return fec;  // earlier batched bytes go first
  auto& sock = t_->lowest_layer();
  std::size_t head_done = 0;
  std::uint64_t done = 0;
  http::error_code ec;
  while (head_done < w_->out.size() || done < len) {
    std::size_t n;
    if (head_done < w_->out.size()) {
      n = io::send_now(sock, std::string_view(w_->out).substr(head_done), false, ec);
      head_done += n;
    } else {
      n = io::send_file_now(sock, fd, offset + done, len - done, ec);
      if (!ec && n == 0) ec = errc::make_error_code(errc::io_error);  // the file is shorter
      done += n;
    }
    if (!ec) continue;
    if (ec != asio::error::would_block) break;
    // The socket is full: wait until it takes more, under the write deadline.
    set_deadline(Deadline::write, w_->timeouts.body_idle);
    writing_ = true;
    auto [wec] = co_await sock.async_wait(asio::socket_base::wait_write,
                                          asio::as_tuple(asio::use_awaitable));
    writing_ = false;
    write_deadline_ = time_point::max();
    ec = wec;
    if (ec) break;
  }
  w_->out.clear();
  if (ec) {
    broken_ = true;
    co_return ec;
  }
  co_return http::error_code{};
}

}  // namespace strata::conn
