#include "conn/http1_connection.hpp"

#include <unistd.h>

#include <algorithm>
#include <cstring>

#include <utility>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "codec/http1/base64url.hpp"
#include "codec/http1/response_serializer.hpp"
#include "conn/handler_policy.hpp"
#include "conn/http1_metrics.hpp"
#include "conn/memory_trim.hpp"

namespace strata::conn {

namespace asio = boost::asio;
using codec::http1::Error;
using codec::http1::RequestParser;
constexpr auto use_tuple = asio::as_tuple(asio::use_awaitable);

namespace {
// A connection reads request heads into a 1 KiB buffer (nginx's
// client_header_buffer_size) that doubles for longer heads; chunked request
// bodies read through a 16 KiB one. The buffer belongs to the per-request
// state (conn/http1_work.hpp), given back to the worker's pool (cut back to
// 1 KiB when it grew past 4 KiB) whenever the connection parks.
constexpr std::size_t kInitialBuffer = kHttp1InitialBuffer;
constexpr std::size_t kBodyBuffer = 16 * 1024;
constexpr std::size_t kIdleBufferMax = kHttp1IdleBufferMax;

std::string_view deadline_name(std::uint8_t k) {
  switch (k) {
    case 1: return "header";
    case 2: return "idle";
    case 3: return "body";
    default: return "write";
  }
}
}  // namespace

// Ownership of a started connection, moved along its continuations (the
// driver's completion handler, the readability wait's handler). Whoever
// destroys it without releasing it (an io_context shut down with the
// operation pending) frees the connection.
struct Http1Connection::Owner {
  Http1Connection* p;
  explicit Owner(Http1Connection* c) : p(c) {}
  Owner(Owner&& o) noexcept : p(std::exchange(o.p, nullptr)) {}
  Owner& operator=(Owner&&) = delete;
  ~Owner() { delete p; }
  Http1Connection* release() { return std::exchange(p, nullptr); }
};

Http1Connection::Http1Connection(std::unique_ptr<io::Transport> t, ServerContext& ctx,
                                 http::ConnInfo info, std::string initial,
                                 std::shared_ptr<void> keep, std::function<void()> on_end)
    : t_(std::move(t)),
      ctx_(ctx),
      info_(std::move(info)),
      executor_(t_->get_executor()),
      time_(ctx.time()),
      timer_(executor_, time_),
      keep_(std::move(keep)),
      on_end_(std::move(on_end)),
      w_(acquire_http1_work()),
      reg_(ctx, this) {
  if (!initial.empty()) {
    in_end_ = initial.size();
    w_->in = std::move(initial);
    w_->in.resize(std::max(w_->in.size(), kInitialBuffer));
  }
}

Http1Connection::~Http1Connection() {
  if (sweeper_) sweeper_->remove(*this);
  if (parked_) h1metrics::parked().sub();
  release_http1_work(std::move(w_));
  if (auto f = std::move(on_end_)) f();
}

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

void Http1Connection::arm_watchdog() {
  watching_ = true;
  timer_.async_wait_until(armed_, [this](bool) { on_watchdog(); });
}

// The deadline watchdog: a timer completion handler (no coroutine frame),
// re-armed to the earliest deadline on every wake.
void Http1Connection::on_watchdog() {
  watching_ = false;
  if (done_) {
    maybe_end();
    return;
  }
  auto now = time_.now();
  Deadline hit = deadline_ <= now         ? deadline_kind_
                 : write_deadline_ <= now ? Deadline::write
                                          : Deadline::none;
  if (hit != Deadline::none) {
    timed_out_ = hit;
    h1metrics::timeout(deadline_name(std::uint8_t(hit))).inc();
    broken_ = true;
    if (t_) t_->close();  // ends a pending read, write or readability wait
    clear_deadline();
    write_deadline_ = time_point::max();
  }
  armed_ = std::min(deadline_, write_deadline_);
  arm_watchdog();
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
  if (!w_->out.empty() && !writing_) {
    if (co_await flush()) co_return false;
  }
  if (broken_ || !t_->is_open()) co_return false;
  if (kind == Deadline::idle && in_begin_ == in_end_ && w_->in.size() > kIdleBufferMax) {
    std::string(kInitialBuffer, '\0').swap(w_->in);
    in_begin_ = in_end_ = 0;
  }
  if (kind == Deadline::body && w_->in.size() < kBodyBuffer) w_->in.resize(kBodyBuffer);
  if (in_begin_ > 0 && in_end_ == w_->in.size()) {
    std::memmove(w_->in.data(), w_->in.data() + in_begin_, in_end_ - in_begin_);
    in_end_ -= in_begin_;
    in_begin_ = 0;
  }
  if (in_end_ == w_->in.size()) {
    // Only a partial line lives here; the codec bounds it by the limits.
    std::size_t cap = std::size_t(std::max(w_->limits.max_request_line, w_->limits.max_header_bytes)) +
                      kInitialBuffer;
    if (w_->in.size() >= cap) co_return false;
    w_->in.resize(std::min(cap, w_->in.size() * 2));
  }
  // Waiting for the next request on a keep-alive connection: listed with
  // the sweeper, which ends the wait (request_park) after park_after.
  const bool linger = kind == Deadline::idle && time_.park_after.count() > 0;
  for (;;) {
    set_deadline(kind, d);
    if (linger) {
      if (!sweeper_) sweeper_ = &Http1ParkSweeper::of(executor_);  // use_service locks: once per connection
      sweeper_->add(*this, executor_, time_.park_after);
    }
    // Request heads are turn-taking reads (io::Transport::read_turn): no
    // recv that returns EAGAIN while the client waits for our answer.
    const std::span<char> room(w_->in.data() + in_end_, w_->in.size() - in_end_);
    core::IoResult r;
    if (kind == Deadline::body) r = co_await t_->read_some(room);
    else r = co_await t_->read_turn(room);
    if (sweeper_) sweeper_->remove(*this);
    clear_deadline();
    const bool parking = std::exchange(park_requested_, false);
    if (!r.ec && r.n > 0) {
      in_end_ += r.n;
      co_return true;
    }
    if (parking && r.ec == asio::error::operation_aborted && !broken_ && t_->is_open()) {
      if (can_park()) {
        park_ = true;  // read_head and serve_loop end; the connection parks
        co_return false;
      }
      continue;  // TLS bytes above the socket: read on
    }
    broken_ = true;
    co_return false;
  }
}

void Http1Connection::request_park() {
  if (park_requested_ || writing_ || broken_ || !t_) return;
  park_requested_ = true;
  boost::system::error_code ec;
  t_->socket_for_waits().cancel(ec);  // the idle read ends with operation_aborted
}

void Http1Connection::begin_request() {
  ctx_.refresh(snap_);
  if (snap_ && snap_->config) {
    w_->limits = snap_->config->limits;
    w_->timeouts = snap_->config->timeouts;
  }
  w_->parser.set_limits(w_->limits);
  w_->parser.start(&w_->req);
  w_->trailers.clear();
  facts_ = {};
  is_head_ = close_after_ = continue_sent_ = head_sent_ = finished_ = false;
  resp_no_body_ = resp_chunked_ = resp_has_length_ = false;
  resp_remaining_ = 0;
  body_error_status_ = 0;
  w_->decoder.start_none();
}

// Reads and parses one request head. False: close the connection (EOF,
// timeout, drain, or a bad head already answered).
asio::awaitable<bool> Http1Connection::read_head() {
  // The first request of a connection and a request whose bytes already
  // arrived are under the header deadline; otherwise we idle until a byte.
  bool started = first_request_ || !pending().empty();
  auto now = time_.now();
  time_point header_deadline = now + w_->timeouts.header;
  while (true) {
    auto r = w_->parser.parse(pending());
    consume(r.consumed);
    if (r.status == RequestParser::Status::done) break;
    if (r.status == RequestParser::Status::error) {
      co_await send_error(w_->parser.error());
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
      if (!woken_ && time_.park_after.count() == 0 && can_park()) {
        park_ = true;  // serve_loop ends; the connection waits without a frame
        co_return false;
      }
      woken_ = false;
      idle_ = true;
      ok = co_await fill(Deadline::idle, w_->timeouts.idle);
      idle_ = false;
      started = true;
      header_deadline = time_.now() + w_->timeouts.header;
    }
    if (!ok) co_return false;
  }
  clear_deadline();
  first_request_ = false;
  facts_ = w_->parser.facts();
  w_->req.start = time_.now();
  w_->req.scheme = t_->tls() ? "https" : "http";
  is_head_ = w_->req.method == "HEAD";
  if (facts_.chunked) w_->decoder.start_chunked(w_->limits, &w_->trailers);
  else if (w_->req.content_length) w_->decoder.start_length(*w_->req.content_length);
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
  std::uint64_t budget = w_->limits.stream_buffer;
  while (!w_->decoder.done()) {
    auto s = w_->decoder.step(pending(), std::size_t(-1));
    if (s.status == codec::http1::BodyDecoder::Status::error) co_return false;
    if (s.consumed > budget) co_return false;
    budget -= s.consumed;
    consume(s.consumed);
    if (s.status == codec::http1::BodyDecoder::Status::need_more && s.consumed == 0) {
      if (!co_await fill(Deadline::body, w_->timeouts.body_idle)) co_return false;
    }
  }
  co_return true;
}

// RFC 7540 3.2: answers 101 and prepares the hand-off to serve_http2. False
// means "serve as HTTP/1.1" (an upgrade we may ignore) unless broken_.
asio::awaitable<bool> Http1Connection::try_h2c() {
  auto settings_text = w_->req.headers.get("http2-settings");
  if (!settings_text) co_return false;
  auto settings = codec::http1::base64url_decode(*settings_text);
  if (!settings) co_return false;
  if (w_->req.has_body && (!w_->req.content_length || *w_->req.content_length > w_->limits.stream_buffer))
    co_return false;  // too big to buffer for stream 1: stay on HTTP/1.1
  auto up = std::make_unique<H2cUpgrade>();
  up->settings_payload = std::move(*settings);
  while (!w_->decoder.done()) {
    auto s = w_->decoder.step(pending(), std::size_t(-1));
    if (s.status == codec::http1::BodyDecoder::Status::data) up->body.append(s.data);
    consume(s.consumed);
    if (s.status == codec::http1::BodyDecoder::Status::need_more && s.consumed == 0) {
      if (!co_await fill(Deadline::body, w_->timeouts.body_idle)) co_return false;
    }
  }
  static constexpr std::string_view k101 =
      "HTTP/1.1 101 Switching Protocols\r\nconnection: Upgrade\r\nupgrade: h2c\r\n\r\n";
  w_->out.append(k101);
  if (co_await flush()) co_return false;
  w_->req.headers.remove("upgrade");
  w_->req.headers.remove("http2-settings");
  w_->req.headers.remove("connection");
  up->request = std::move(w_->req);
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

    // snap_ (which owns the handler) changes only in begin_request: a plain
    // pointer, no reference count traffic per request.
    http::Handler* handler = snap_ ? snap_->handler.get() : nullptr;
    if (!handler) {
      co_await send_simple(503, true);
      break;
    }
    bool threw = false;  // in this frame: no coroutine of its own per request
    try {
      co_await handler->handle(*this);
    } catch (const std::exception&) {
      threw = true;
    }
    if (handed_off_) break;
    auto end = settle(*this, http::Protocol::http11, threw, body_error_status_ != 0, !broken_);
    if (broken_) break;
    if (end == HandlerEnd::respond) {
      co_await send_simple(body_error_status_ ? body_error_status_ : 500, body_error_status_ != 0);
    } else if (end == HandlerEnd::cut) {
      break;  // response cut short: only closing tells the client
    }
    if (broken_ || close_after_) break;
    if (!w_->decoder.done()) {
      if (facts_.expect_continue && !continue_sent_) break;
      if (!co_await drain_request_body()) break;
    }
  }
  if (!upgrade_ && !handed_off_ && !w_->out.empty() && !broken_) (void)co_await flush();
  if (park_ && !can_park()) park_ = false;
  if (!park_) {
    done_ = true;
    timer_.cancel();  // the watchdog ends
  }
}

bool Http1Connection::can_park() const {
  return t_ && !handed_off_ && !upgrade_ && !broken_ && !writing_ && t_->is_open() &&
         pending().empty() && w_->out.empty() && !t_->buffered();
}

// The driver coroutine. `own` holds the connection while it runs: released
// when it parks or ends normally; destroyed with the frame (after the
// frames it awaits) if the io_context goes away first.
asio::awaitable<void> Http1Connection::drive(Owner own) {
  try {
    co_await serve_loop();
  } catch (...) {
    park_ = false;
    broken_ = true;
  }
  if (park_) {
    running_ = false;
    if (park_away()) {
      own.release();
      maybe_end();  // frees this once the watchdog has ended
      co_return;
    }
    park();  // the readability wait takes the ownership
    own.release();
    co_return;
  }
  if (!done_) {
    done_ = true;
    timer_.cancel();
  }
  if (!upgrade_ && !handed_off_ && t_ && t_->is_open()) {
    if (broken_) t_->close();
    else co_await t_->shutdown();
  }
  running_ = false;
  own.release();
  maybe_end();
}

void Http1Connection::spawn_driver() {
  running_ = true;
  asio::co_spawn(executor_, drive(Owner(this)), asio::detached);
}

void Http1Connection::start() {
  arm_watchdog();
  spawn_driver();
}

void Http1Connection::park() {
  park_ = false;
  const auto idle = w_->timeouts.idle;
  in_begin_ = in_end_ = 0;
  release_http1_work(std::move(w_));
  snap_.reset();
  t_->release_buffers();
  // A hibernated TLS transport freed its stream (~70 KB): counts towards
  // the trim after a burst, like a close (memory_trim.hpp).
  if (io::tls_hibernating(*t_)) note_connection_closed(executor_);
  parked_ = idle_ = true;
  h1metrics::parked().add();
  set_deadline(Deadline::idle, idle);
  t_->socket_for_waits().async_wait(
      asio::ip::tcp::socket::wait_read,
      [own = Owner(this)](boost::system::error_code ec) mutable { own.release()->on_readable(ec); });
}

bool Http1Connection::park_away() {
  if (t_->writes_pending()) return false;  // a batched response's rest still going out
  io::ParkedTls tls(nullptr, nullptr);
  if (t_->tls()) {
    // Over TLS only a hibernated transport parks away: its SSL joins the record.
    t_->release_buffers();
    tls = io::take_hibernated_tls(*t_);
    if (!tls) return false;
  }
  auto& s = t_->lowest_layer();
  boost::system::error_code ec;
  auto local = s.local_endpoint(ec);
  if (ec) {
    io::return_hibernated_tls(*t_, std::move(tls));
    return false;
  }
  const auto proto = local.address().is_v6() ? asio::ip::tcp::v6() : asio::ip::tcp::v4();
  ParkedHttp1 p;
  if (!p.info.pack(info_)) {
    io::return_hibernated_tls(*t_, std::move(tls));
    return false;
  }
  p.v6 = local.address().is_v6();
  p.fd = s.release(ec);
  if (ec) {
    io::return_hibernated_tls(*t_, std::move(tls));
    return false;
  }
  p.keep = std::move(keep_);
  p.on_end = std::move(on_end_);
  p.tls = std::move(tls);
  if (!park_http1(executor_, ctx_, p, w_->timeouts.idle, &Http1Connection::resume)) {
    keep_ = std::move(p.keep);
    on_end_ = std::move(p.on_end);
    io::return_hibernated_tls(*t_, std::move(p.tls));
    s.assign(proto, p.fd, ec);
    if (ec) {
      ::close(p.fd);
      broken_ = true;
    }
    return false;
  }
  // maybe_end() counts the park towards the trim after a burst, as a close.
  parked_away_ = done_ = true;
  clear_deadline();
  timer_.cancel();  // the watchdog ends, then maybe_end frees this
  return true;
}

void Http1Connection::resume(const asio::any_io_executor& ex, ServerContext& ctx, ParkedHttp1&& p) {
  asio::ip::tcp::socket s(ex);
  boost::system::error_code ec;
  s.assign(p.v6 ? asio::ip::tcp::v6() : asio::ip::tcp::v4(), p.fd, ec);
  if (ec) {
    ::close(p.fd);
    p.tls.reset();
    if (p.on_end) p.on_end();
    return;
  }
  auto t = p.tls ? io::make_hibernated_tls_transport(std::move(s), std::move(p.tls))
                 : io::make_tcp_transport(std::move(s));
  auto* c = new Http1Connection(std::move(t), ctx, p.info.unpack(), {}, std::move(p.keep), std::move(p.on_end));
  c->first_request_ = false;
  c->woken_ = true;  // read now (EOF included) rather than park again
  c->start();
}

void Http1Connection::on_readable(boost::system::error_code ec) {
  parked_ = idle_ = false;
  h1metrics::parked().sub();
  if (ec || broken_ || !t_ || !t_->is_open()) {
    // Idle timeout, drain, or the socket failed: close.
    broken_ = done_ = true;
    clear_deadline();
    if (t_) t_->close();
    timer_.cancel();
    maybe_end();
    return;
  }
  w_ = acquire_http1_work();
  woken_ = true;  // read now (EOF included) rather than park again
  spawn_driver();
}

namespace {
asio::awaitable<void> continue_h2c(std::unique_ptr<io::Transport> t, ServerContext& ctx,
                                   http::ConnInfo info, std::string leftover,
                                   std::unique_ptr<H2cUpgrade> up, std::shared_ptr<void> keep,
                                   std::function<void()> on_end) {
  try {
    co_await serve_http2(std::move(t), ctx, std::move(info), std::move(leftover), std::move(up));
  } catch (...) {
  }
  if (on_end) on_end();
}
}  // namespace

void Http1Connection::maybe_end() {
  if (running_ || parked_ || watching_) return;
  note_connection_closed(executor_);  // a park away frees as much: trim after bursts of either
  if (upgrade_ && t_) {
    asio::co_spawn(executor_,
                   continue_h2c(std::move(t_), ctx_, info_, take_leftover(), std::move(upgrade_),
                                std::move(keep_), std::move(on_end_)),
                   asio::detached);
  }
  delete this;
}

void start_http1(std::unique_ptr<io::Transport> t, ServerContext& ctx, http::ConnInfo info,
                 std::string initial, std::shared_ptr<void> keep, std::function<void()> on_end) {
  auto* c = new Http1Connection(std::move(t), ctx, std::move(info), std::move(initial),
                                std::move(keep), std::move(on_end));
  c->start();
}

namespace {
// Signalled by the connection's end (serve_http1).
struct EndSignal {
  explicit EndSignal(const asio::any_io_executor& ex)
      : timer(ex, asio::steady_timer::time_point::max()) {}
  asio::steady_timer timer;
  bool ended = false;
};
}  // namespace

boost::asio::awaitable<void> serve_http1(std::unique_ptr<io::Transport> t, ServerContext& ctx,
                                         http::ConnInfo info, std::string initial) {
  auto end = std::make_shared<EndSignal>(t->get_executor());
  start_http1(std::move(t), ctx, std::move(info), std::move(initial), nullptr, [end] {
    end->ended = true;
    end->timer.cancel();
  });
  while (!end->ended) (void)co_await end->timer.async_wait(use_tuple);
}

}  // namespace strata::conn
