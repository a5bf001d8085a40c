#include "conn/http1_connection.hpp"

#include <algorithm>
#include <cstring>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "codec/http1/base64url.hpp"
#include "codec/http1/response_serializer.hpp"
#include "conn/handler_policy.hpp"
#include "conn/http1_metrics.hpp"

namespace strata::conn {

namespace asio = boost::asio;
using codec::http1::Error;
using codec::http1::RequestParser;
constexpr auto use_tuple = asio::as_tuple(asio::use_awaitable);

namespace {
// A connection reads request heads into a 1 KiB buffer (nginx's
// client_header_buffer_size) that doubles for longer heads; chunked request
// bodies read through a 16 KiB one. Waiting for the next request on a
// keep-alive connection, a buffer grown past 4 KiB is given back, so an idle
// connection holds at most 4 KiB of it.
constexpr std::size_t kInitialBuffer = 1024;
constexpr std::size_t kBodyBuffer = 16 * 1024;
constexpr std::size_t kIdleBufferMax = 4 * 1024;
std::string_view deadline_name(std::uint8_t k) {
  switch (k) {
    case 1: return "header";
    case 2: return "idle";
    case 3: return "body";
    default: return "write";
  }
}
}  // namespace

Http1Connection::Http1Connection(std::unique_ptr<io::Transport> t, ServerContext& ctx,
                                 http::ConnInfo info, std::string initial)
    : t_(std::move(t)),
      ctx_(ctx),
      info_(std::move(info)),
      executor_(t_->get_executor()),
      time_(ctx.time()),
      timer_(executor_, time_),
      in_(std::move(initial)) {
  in_end_ = in_.size();
  in_.resize(std::max(in_.size(), kInitialBuffer));
}

Http1Connection::~Http1Connection() = default;

std::string Http1Connection::take_leftover() {
  std::string s(pending());
  in_begin_ = in_end_ = 0;
  return s;
}

void Http1Connection::consume(std::size_t n) {
  in_begin_ += n;
  if (in_begin_ == in_end_) in_begin_ = in_end_ = 0;
}

void Http1Connection::set_deadline(Deadline kind, std::chrono::milliseconds d) {
  auto at = time_.now() + d;
  if (kind == Deadline::write) {
    write_deadline_ = at;
  } else {
    deadline_ = at;
    deadline_kind_ = kind;
  }
  if (at < armed_) {
    armed_ = at;
    timer_.cancel();  // wakes the watchdog, which re-arms
  }
}

asio::awaitable<void> Http1Connection::watchdog() {
  while (!done_) {
    (void)co_await timer_.wait_until(armed_);
    if (done_) break;
    auto now = time_.now();
    Deadline hit = deadline_ <= now         ? deadline_kind_
                   : write_deadline_ <= now ? Deadline::write
                                            : Deadline::none;
    if (hit != Deadline::none) {
      timed_out_ = hit;
      h1metrics::timeout(deadline_name(std::uint8_t(hit))).inc();
      broken_ = true;
      if (t_) t_->close();
      clear_deadline();
      write_deadline_ = time_point::max();
    }
    armed_ = std::min(deadline_, write_deadline_);
  }
}

void Http1Connection::drain() {
  draining_ = true;
  if (idle_ && t_) t_->close();  // nothing in flight: close now
}

void Http1Connection::reset() {
  broken_ = true;
  if (t_) t_->close();
}

asio::awaitable<bool> Http1Connection::fill(Deadline kind, std::chrono::milliseconds d) {
  if (!out_.empty() && !writing_) {
    if (co_await flush()) co_return false;
  }
  if (broken_ || !t_->is_open()) co_return false;
  if (kind == Deadline::idle && in_begin_ == in_end_ && in_.size() > kIdleBufferMax) {
    std::string(kInitialBuffer, '\0').swap(in_);
    in_begin_ = in_end_ = 0;
  }
  if (kind == Deadline::body && in_.size() < kBodyBuffer) in_.resize(kBodyBuffer);
  if (in_begin_ > 0 && in_end_ == in_.size()) {
    std::memmove(in_.data(), in_.data() + in_begin_, in_end_ - in_begin_);
    in_end_ -= in_begin_;
    in_begin_ = 0;
  }
  if (in_end_ == in_.size()) {
    // Only a partial line lives here; the codec bounds it by the limits.
    std::size_t cap = std::size_t(std::max(limits_.max_request_line, limits_.max_header_bytes)) +
                      kInitialBuffer;
    if (in_.size() >= cap) co_return false;
    in_.resize(std::min(cap, in_.size() * 2));
  }
  set_deadline(kind, d);
  auto r = co_await t_->read_some(std::span<char>(in_.data() + in_end_, in_.size() - in_end_));
  clear_deadline();
  if (r.ec || r.n == 0) {
    broken_ = true;
    co_return false;
  }
  in_end_ += r.n;
  co_return true;
}

void Http1Connection::begin_request() {
  snap_ = ctx_.snapshot();
  if (snap_ && snap_->config) {
    limits_ = snap_->config->limits;
    timeouts_ = snap_->config->timeouts;
  }
  parser_.set_limits(limits_);
  parser_.start(&req_);
  trailers_.clear();
  facts_ = {};
  is_head_ = close_after_ = continue_sent_ = head_sent_ = finished_ = false;
  resp_no_body_ = resp_chunked_ = resp_has_length_ = false;
  resp_remaining_ = 0;
  body_error_status_ = 0;
  decoder_.start_none();
}

// Reads and parses one request head. False: close the connection (EOF,
// timeout, drain, or a bad head already answered).
asio::awaitable<bool> Http1Connection::read_head() {
  // The first request of a connection and a request whose bytes already
  // arrived are under the header deadline; otherwise we idle until a byte.
  bool started = first_request_ || !pending().empty();
  auto now = time_.now();
  time_point header_deadline = now + timeouts_.header;
  while (true) {
    auto r = parser_.parse(pending());
    consume(r.consumed);
    if (r.status == RequestParser::Status::done) break;
    if (r.status == RequestParser::Status::error) {
      co_await send_error(parser_.error());
      co_return false;
    }
    bool ok;
    if (started) {
      // One deadline for the whole head (slowloris).
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
          header_deadline - time_.now());
      ok = co_await fill(Deadline::header, std::max(left, std::chrono::milliseconds(0)));
    } else {
      if (draining_ || ctx_.draining()) co_return false;
      idle_ = true;
      ok = co_await fill(Deadline::idle, timeouts_.idle);
      idle_ = false;
      started = true;
      header_deadline = time_.now() + timeouts_.header;
    }
    if (!ok) co_return false;
  }
  clear_deadline();
  first_request_ = false;
  facts_ = parser_.facts();
  req_.start = time_.now();
  req_.scheme = t_->tls() ? "https" : "http";
  is_head_ = req_.method == "HEAD";
  if (facts_.chunked) decoder_.start_chunked(limits_, &trailers_);
  else if (req_.content_length) decoder_.start_length(*req_.content_length);
  co_return true;
}

asio::awaitable<void> Http1Connection::send_error(Error e) {
  h1metrics::bad_request(e).inc();
  co_await send_simple(codec::http1::status(e), true);
}

asio::awaitable<void> Http1Connection::send_simple(int status, bool close) {
  if (broken_ || !t_->is_open()) co_return;
  http::Response r;
  r.status = status;
  std::string_view body = http::reason_phrase(status);
  r.headers.add("content-type", "text/plain");
  r.headers.add("content-length", std::to_string(body.size() + 1));
  close_after_ = close_after_ || close;
  if (co_await send_head(r, false)) co_return;
  std::string text(body);
  text.push_back('\n');
  (void)co_await send_body(std::span<const char>(text.data(), text.size()), true);
}

// Discards what is left of the request body so the connection can serve
// the next request; bounded by limits.stream_buffer bytes.
asio::awaitable<bool> Http1Connection::drain_request_body() {
  std::uint64_t budget = limits_.stream_buffer;
  while (!decoder_.done()) {
    auto s = decoder_.step(pending(), std::size_t(-1));
    if (s.status == codec::http1::BodyDecoder::Status::error) co_return false;
    if (s.consumed > budget) co_return false;
    budget -= s.consumed;
    consume(s.consumed);
    if (s.status == codec::http1::BodyDecoder::Status::need_more && s.consumed == 0) {
      if (!co_await fill(Deadline::body, timeouts_.body_idle)) co_return false;
    }
  }
  co_return true;
}

// RFC 7540 3.2: answers 101 and prepares the hand-off to serve_http2. False
// means "serve as HTTP/1.1" (an upgrade we may ignore) unless broken_.
asio::awaitable<bool> Http1Connection::try_h2c() {
  auto settings_text = req_.headers.get("http2-settings");
  if (!settings_text) co_return false;
  auto settings = codec::http1::base64url_decode(*settings_text);
  if (!settings) co_return false;
  if (req_.has_body && (!req_.content_length || *req_.content_length > limits_.stream_buffer))
    co_return false;  // too big to buffer for stream 1: stay on HTTP/1.1
  auto up = std::make_unique<H2cUpgrade>();
  up->settings_payload = std::move(*settings);
  while (!decoder_.done()) {
    auto s = decoder_.step(pending(), std::size_t(-1));
    if (s.status == codec::http1::BodyDecoder::Status::data) up->body.append(s.data);
    consume(s.consumed);
    if (s.status == codec::http1::BodyDecoder::Status::need_more && s.consumed == 0) {
      if (!co_await fill(Deadline::body, timeouts_.body_idle)) co_return false;
    }
  }
  static constexpr std::string_view k101 =
      "HTTP/1.1 101 Switching Protocols\r\nconnection: Upgrade\r\nupgrade: h2c\r\n\r\n";
  out_.append(k101);
  if (co_await flush()) co_return false;
  req_.headers.remove("upgrade");
  req_.headers.remove("http2-settings");
  req_.headers.remove("connection");
  up->request = std::move(req_);
  upgrade_ = std::move(up);
  co_return true;
}

asio::awaitable<void> Http1Connection::serve_loop() {
  while (!broken_) {
    begin_request();
    if (!first_request_ && pending().empty() && (draining_ || ctx_.draining())) break;
    if (!co_await read_head()) break;

    if (facts_.h2c_upgrade && !t_->tls() && snap_ && snap_->listener &&
        snap_->listener->has("h2c")) {
      if (co_await try_h2c()) break;
      if (broken_) break;
    }

    std::shared_ptr<http::Handler> handler = snap_ ? snap_->handler : nullptr;
    if (!handler) {
      co_await send_simple(503, true);
      break;
    }
    bool threw = co_await invoke_handler(*handler, *this);
    if (handed_off_) break;
    auto end = settle(*this, http::Protocol::http11, threw, body_error_status_ != 0, !broken_);
    if (broken_) break;
    if (end == HandlerEnd::respond) {
      co_await send_simple(body_error_status_ ? body_error_status_ : 500, body_error_status_ != 0);
    } else if (end == HandlerEnd::cut) {
      break;  // response cut short: only closing tells the client
    }
    if (broken_ || close_after_) break;
    if (!decoder_.done()) {
      if (facts_.expect_continue && !continue_sent_) break;
      if (!co_await drain_request_body()) break;
    }
  }
  if (!upgrade_ && !handed_off_ && !out_.empty() && !broken_) (void)co_await flush();
  done_ = true;
  timer_.cancel();
}

asio::awaitable<void> Http1Connection::run() {
  Registration reg(ctx_, this);
  using namespace asio::experimental::awaitable_operators;
  co_await (serve_loop() && watchdog());
  if (upgrade_ || handed_off_) co_return;
  if (t_ && t_->is_open()) {
    if (broken_) t_->close();
    else co_await t_->shutdown();
  }
}

boost::asio::awaitable<void> serve_http1(std::unique_ptr<io::Transport> t, ServerContext& ctx,
                                         http::ConnInfo info, std::string initial) {
  std::unique_ptr<io::Transport> transport;
  std::unique_ptr<H2cUpgrade> upgrade;
  std::string leftover;
  {
    Http1Connection c(std::move(t), ctx, std::move(info), std::move(initial));
    co_await c.run();
    if (!c.upgraded()) co_return;
    info = c.info();
    leftover = c.take_leftover();
    upgrade = c.take_upgrade();
    transport = c.take_transport();
  }
  co_await serve_http2(std::move(transport), ctx, std::move(info), std::move(leftover),
                       std::move(upgrade));
}

}  // namespace strata::conn
