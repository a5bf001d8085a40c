#include "filter/filter_exchange.hpp"

#include "core/loop_clock.hpp"
#include <chrono>

#include "io/transport.hpp"

namespace strata::filter {

boost::asio::awaitable<http::IoResult> FilterExchange::read_body(std::span<char> buf) {
  auto r = co_await inner_.read_body(buf);
  ctx_.bytes_received += r.n;
  co_return r;
}

namespace {
// An awaitable that completes at once with no error.
boost::asio::awaitable<http::error_code> nothing_to_send() { co_return http::error_code{}; }
}  // namespace

void FilterExchange::before_head(http::Response& r, bool end_stream) {
  if (!ctx_.local_reason.empty()) run_local_reply(listener_, route_, ctx_, r);
  run_response_head(listener_, route_, inner_.request(), ctx_, r);
  if (!end_stream) {
    start_body(listener_, route_, inner_.request(), ctx_, r, transforms_);
    scratch_.resize(transforms_.size());
  }
  ctx_.status = r.status;
  ctx_.time.head_sent = core::LoopClock::steady();
}

boost::asio::awaitable<http::error_code> FilterExchange::send_head(http::Response& r,
                                                                   bool end_stream) {
  before_head(r, end_stream);
  // A plain function handing back the inner awaitable (no coroutine frame
  // per call); the caller co_awaits it at once.
  return inner_.send_head(r, end_stream);
}

// sends_now() said the inner exchange takes the synchronous protocol; the
// head's transforms (started here) apply from the first body byte, which
// then goes through send_body (sends_now() turns false).
bool FilterExchange::send_head_now(http::Response& r, bool end_stream, http::error_code& ec) {
  before_head(r, end_stream);
  return inner_.send_head_now(r, end_stream, ec);
}

bool FilterExchange::send_body_now(std::span<const char> data, bool end_stream,
                                   http::error_code& ec) {
  ctx_.bytes_sent += data.size();  // no transforms: sends_now() is true only then
  return inner_.send_body_now(data, end_stream, ec);
}

std::span<const char> FilterExchange::transform(std::span<const char> data, bool end_stream) {
  for (std::size_t i = 0; i < transforms_.size(); ++i)
    data = transforms_[i]->transform(data, end_stream, scratch_[i]);
  return data;
}

boost::asio::awaitable<http::error_code> FilterExchange::send_body(std::span<const char> data,
                                                                   bool end_stream) {
  if (!transforms_.empty()) {
    data = transform(data, end_stream);
    if (data.empty() && !end_stream) return nothing_to_send();
  }
  ctx_.bytes_sent += data.size();
  return inner_.send_body(data, end_stream);  // as send_head: no frame of its own
}

bool FilterExchange::native_send_file() const {
  return transforms_.empty() && http::native_file_sink(inner_) != nullptr;
}

boost::asio::awaitable<http::error_code> FilterExchange::send_file(int fd, std::uint64_t offset,
                                                                   std::uint64_t len, bool end_stream) {
  if (!transforms_.empty()) co_return co_await http::send_file_body(*this, fd, offset, len, {}, end_stream);
  ctx_.bytes_sent += len;
  co_return co_await http::send_file_body(inner_, fd, offset, len, {}, end_stream);
}

boost::asio::awaitable<http::error_code> FilterExchange::send_trailers(const http::Headers& t) {
  if (!transforms_.empty()) {  // flush what the transforms hold before the trailers
    auto rest = transform({}, true);
    if (!rest.empty()) {
      ctx_.bytes_sent += rest.size();
      if (auto ec = co_await inner_.send_body(rest, false); ec) co_return ec;
    }
  }
  co_return co_await inner_.send_trailers(t);
}

boost::asio::awaitable<std::unique_ptr<io::Transport>> FilterExchange::upgrade(
    http::Response& r101, std::string& leftover) {
  run_response_head(listener_, route_, inner_.request(), ctx_, r101);
  auto t = co_await inner_.upgrade(r101, leftover);
  if (t) {
    ctx_.status = r101.status;
    ctx_.time.head_sent = core::LoopClock::steady();
  }
  co_return t;
}

}  // namespace strata::filter
