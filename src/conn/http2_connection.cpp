// HTTP/2 connection driver: serve_http2() over an io::Transport.
//
// Everything runs on the connection's executor (one worker thread), no
// locks. Coroutines per connection:
//   - the reader (this coroutine): transport.read_some -> session.receive
//   - the writer: session.send into one gathered buffer -> transport.write,
//     one write in flight; woken by kick()
//   - the idle watchdog: GOAWAY after timeouts.idle with no live streams
//   - one per stream: snapshot->handler->handle(exchange)
// Waits use Signal (a steady_timer that only a cancel() ends). Every wait
// re-checks its condition, so a notify with nobody waiting is harmless.
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <algorithm>
#include <chrono>
#include <vector>

#include "codec/http2/server_session.hpp"
#include "conn/server_context.hpp"
#include "conn/signal.hpp"
#include "obs/metrics.hpp"

namespace strata::conn {

namespace {

namespace asio = boost::asio;
namespace h2 = codec::http2;
using h2::StreamId;
using Clock = std::chrono::steady_clock;
constexpr auto use_tuple = asio::as_tuple(asio::use_awaitable);
constexpr std::size_t kReadBuffer = 32 * 1024;
constexpr std::size_t kWriteBatch = 128 * 1024;  // bytes framed per write

struct Metrics {
  obs::Counter& streams = obs::counter("strata_http2_streams_total", "HTTP/2 streams served");
  obs::Gauge& active = obs::gauge("strata_http2_active_streams", "HTTP/2 streams in progress");
  obs::Counter& connections =
      obs::counter("strata_http2_connections_total", "HTTP/2 connections served");
  obs::Counter& handler_errors = obs::counter(
      "strata_http2_handler_errors_total", "HTTP/2 handlers that threw or left a stream unfinished");
  static Metrics& get() {
    static Metrics m;
    return m;
  }
};

class H2Connection;

class H2Exchange final : public http::Exchange {
 public:
  H2Exchange(H2Connection& c, StreamId sid, std::shared_ptr<const Snapshot> snap);
  http::Request& request() override;
  const http::ConnInfo& conn() const override;
  asio::any_io_executor executor() const override;
  asio::awaitable<http::IoResult> read_body(std::span<char> buf) override;
  const http::Headers* request_trailers() const override;
  asio::awaitable<http::error_code> send_interim(const http::Response& r) override;
  asio::awaitable<http::error_code> send_head(http::Response& r, bool end_stream) override;
  asio::awaitable<http::error_code> send_body(std::span<const char> data, bool end_stream) override;
  asio::awaitable<http::error_code> send_trailers(const http::Headers& t) override;
  bool head_sent() const override { return head_sent_; }
  bool finished() const override { return finished_; }
  void reset() override;

  Signal signal;
  bool body_overflow = false;

 private:
  H2Connection& c_;
  StreamId sid_;
  std::shared_ptr<const Snapshot> snap_;
  bool head_sent_ = false;
  bool finished_ = false;
};

class H2Connection final : public Connection, public h2::SessionEvents {
 public:
  H2Connection(std::unique_ptr<io::Transport> t, ServerContext& ctx, http::ConnInfo info,
               std::shared_ptr<const Snapshot> snap)
      : t_(std::move(t)),
        ctx_(ctx),
        info_(std::move(info)),
        ex_(t_->get_executor()),
        limits_(snap && snap->config ? snap->config->limits : config::Limits{}),
        timeouts_(snap && snap->config ? snap->config->timeouts : config::Timeouts{}),
        session_(limits_, *this),
        writer_signal_(ex_),
        main_signal_(ex_),
        idle_timer_(ex_) {}

  asio::awaitable<void> run(std::string initial, std::unique_ptr<H2cUpgrade> upgrade) {
    Registration reg(ctx_, this);
    Metrics::get().connections.inc();
    session_.start();
    bool ok = true;
    if (upgrade) {
      ok = session_.upgrade(upgrade->settings_payload, std::move(upgrade->request),
                            std::move(upgrade->body));
    }
    if (ctx_.draining()) drain();
    tasks_ += 2;
    asio::co_spawn(ex_, writer(), asio::detached);
    asio::co_spawn(ex_, watchdog(), asio::detached);
    if (ok && !initial.empty()) ok = session_.receive(initial);
    kick();
    std::vector<char> buf(kReadBuffer);
    while (ok && !stop_reading_) {
      if (!session_.want_read() && !session_.want_write()) break;
      auto [ec, n] = co_await t_->read_some(std::span<char>(buf.data(), buf.size()));
      if (ec || stop_reading_) break;
      last_active_ = Clock::now();
      ok = session_.receive(std::span<const char>(buf.data(), n));
      kick();
    }
    // Flush what is queued (a GOAWAY, final frames), bounded in time.
    stop_ = true;
    idle_timer_.cancel();
    kick();
    auto deadline = Clock::now() + std::min<Clock::duration>(timeouts_.drain, std::chrono::seconds(5));
    while (!writer_done_) {
      auto left = deadline - Clock::now();
      if (left <= Clock::duration::zero() || !co_await main_signal_.wait(left)) {
        dead_ = true;
        t_->close();
        deadline = Clock::now() + std::chrono::hours(1);
      }
    }
    if (!dead_) co_await t_->shutdown();
    dead_ = true;
    t_->close();
    for (auto* e : live_) e->signal.notify();
    while (tasks_ > 0) co_await main_signal_.wait();
  }

  void drain() override {
    if (draining_) return;
    draining_ = true;
    session_.shutdown();
    kick();
  }

  // SessionEvents
  void on_request(StreamId sid) override {
    ++tasks_;
    asio::co_spawn(ex_, run_stream(sid), asio::detached);
  }
  void on_stream_wake(StreamId, void* user) override {
    static_cast<H2Exchange*>(user)->signal.notify();
  }

  void kick() { writer_signal_.notify(); }

  h2::ServerSession& session() { return session_; }
  const http::ConnInfo& info() const { return info_; }
  const asio::any_io_executor& executor() const { return ex_; }
  bool dead() const { return dead_; }

 private:
  asio::awaitable<void> run_stream(StreamId sid) {
    auto snap = ctx_.snapshot();
    {
      H2Exchange ex(*this, sid, snap);
      session_.set_user(sid, &ex);
      live_.push_back(&ex);
      auto& m = Metrics::get();
      m.streams.inc();
      m.active.add();
      try {
        if (snap && snap->handler) co_await snap->handler->handle(ex);
      } catch (const std::exception&) {
        m.handler_errors.inc();
      }
      if (!ex.finished() && !dead_) {
        if (!ex.head_sent()) {
          if (!ex.body_overflow) m.handler_errors.inc();
          co_await http::respond(ex, ex.body_overflow ? 413 : 500, "");
        } else {
          m.handler_errors.inc();
          ex.reset();
        }
      }
      m.active.sub();
      live_.erase(std::find(live_.begin(), live_.end(), &ex));
      session_.release(sid);
    }
    kick();
    task_done();
  }

  asio::awaitable<void> writer() {
    for (;;) {
      out_.clear();
      if (!dead_ && !session_.send(out_, kWriteBatch)) stop_reading_ = true;
      if (out_.empty()) {
        if (stop_ || dead_) break;
        if (!session_.want_read() && !session_.want_write()) {
          // Session finished (GOAWAY sent, no streams): end the reader.
          stop_reading_ = true;
          boost::system::error_code ec;
          t_->lowest_layer().cancel(ec);
        }
        co_await writer_signal_.wait();
        continue;
      }
      // The buffer descriptor lives in this frame for the whole write.
      asio::const_buffer b(out_.data(), out_.size());
      auto ec = co_await t_->write(std::span<const asio::const_buffer>(&b, 1));
      if (ec) {
        dead_ = true;
        stop_reading_ = true;
        boost::system::error_code ig;
        t_->lowest_layer().cancel(ig);
        for (auto* e : live_) e->signal.notify();
        break;
      }
    }
    writer_done_ = true;
    task_done();
  }

  asio::awaitable<void> watchdog() {
    last_active_ = Clock::now();
    while (!stop_) {
      auto idle = std::chrono::duration_cast<Clock::duration>(timeouts_.idle);
      idle_timer_.expires_at(last_active_ + idle);
      co_await idle_timer_.async_wait(use_tuple);
      if (stop_) break;
      if (!live_.empty() || session_.live_streams() > 0) {
        last_active_ = Clock::now();
        continue;
      }
      if (Clock::now() - last_active_ >= idle) {
        drain();  // GOAWAY(NO_ERROR); the writer ends the connection once it is out
        break;
      }
    }
    task_done();
  }

  void task_done() {
    --tasks_;
    main_signal_.notify();
  }

  std::unique_ptr<io::Transport> t_;
  ServerContext& ctx_;
  http::ConnInfo info_;
  asio::any_io_executor ex_;
  config::Limits limits_;
  config::Timeouts timeouts_;
  h2::ServerSession session_;
  Signal writer_signal_;
  Signal main_signal_;
  asio::steady_timer idle_timer_;
  std::string out_;
  std::vector<H2Exchange*> live_;
  Clock::time_point last_active_ = Clock::now();
  int tasks_ = 0;
  bool stop_ = false;          // reader finished: writer flushes then exits
  bool stop_reading_ = false;  // session done or failed
  bool writer_done_ = false;
  bool dead_ = false;          // transport unusable
  bool draining_ = false;
};

H2Exchange::H2Exchange(H2Connection& c, StreamId sid, std::shared_ptr<const Snapshot> snap)
    : signal(c.executor()), c_(c), sid_(sid), snap_(std::move(snap)) {}

http::Request& H2Exchange::request() { return c_.session().request(sid_); }
const http::ConnInfo& H2Exchange::conn() const { return c_.info(); }
asio::any_io_executor H2Exchange::executor() const { return c_.executor(); }

asio::awaitable<http::IoResult> H2Exchange::read_body(std::span<char> buf) {
  auto& s = c_.session();
  auto idle = snap_ && snap_->config ? snap_->config->timeouts.body_idle : config::Timeouts{}.body_idle;
  // A CONNECT stream is a tunnel: its silence is bounded by the tunnel's idle timeout.
  using Dur = Signal::Clock::duration;
  const Dur wait_for = request().method == "CONNECT" ? Dur::max() : Dur(idle);
  for (;;) {
    if (std::size_t n = s.read_body(sid_, buf)) {
      c_.kick();  // WINDOW_UPDATE may be due
      co_return http::IoResult{{}, n};
    }
    switch (s.body_state(sid_)) {
      case h2::BodyState::ended:
        co_return http::IoResult{};
      case h2::BodyState::overflow:
        body_overflow = true;
        co_return http::IoResult{make_error_code(boost::system::errc::message_size), 0};
      case h2::BodyState::reset:
        co_return http::IoResult{asio::error::connection_reset, 0};
      case h2::BodyState::more:
        break;
    }
    if (c_.dead()) co_return http::IoResult{asio::error::connection_reset, 0};
    if (!co_await signal.wait(wait_for)) {
      if (std::size_t n = s.read_body(sid_, buf)) {
        c_.kick();
        co_return http::IoResult{{}, n};
      }
      if (s.body_state(sid_) == h2::BodyState::more) {  // no progress for body_idle
        s.reset(sid_, h2::kCancel);
        c_.kick();
        co_return http::IoResult{asio::error::timed_out, 0};
      }
    }
  }
}

const http::Headers* H2Exchange::request_trailers() const {
  return c_.session().request_trailers(sid_);
}

asio::awaitable<http::error_code> H2Exchange::send_interim(const http::Response& r) {
  if (head_sent_) co_return make_error_code(boost::system::errc::operation_not_permitted);
  if (!c_.session().submit_interim(sid_, r)) co_return asio::error::connection_reset;
  c_.kick();
  co_return http::error_code{};
}

asio::awaitable<http::error_code> H2Exchange::send_head(http::Response& r, bool end_stream) {
  if (head_sent_) co_return make_error_code(boost::system::errc::operation_not_permitted);
  if (!c_.session().submit_response(sid_, r, end_stream)) co_return asio::error::connection_reset;
  head_sent_ = true;
  finished_ = end_stream;
  c_.kick();
  co_return http::error_code{};
}

asio::awaitable<http::error_code> H2Exchange::send_body(std::span<const char> data,
                                                        bool end_stream) {
  if (!head_sent_ || finished_) co_return make_error_code(boost::system::errc::operation_not_permitted);
  auto& s = c_.session();
  if (!s.submit_data(sid_, data, end_stream)) co_return asio::error::connection_reset;
  finished_ = end_stream;
  c_.kick();
  std::size_t limit = snap_ && snap_->config ? snap_->config->limits.stream_buffer
                                             : config::Limits{}.stream_buffer;
  while (s.buffered(sid_) > limit) {
    if (!s.writable(sid_) || c_.dead()) co_return asio::error::connection_reset;
    co_await signal.wait();
  }
  co_return http::error_code{};
}

asio::awaitable<http::error_code> H2Exchange::send_trailers(const http::Headers& t) {
  if (!head_sent_ || finished_) co_return make_error_code(boost::system::errc::operation_not_permitted);
  if (!c_.session().submit_trailers(sid_, t)) co_return asio::error::connection_reset;
  finished_ = true;
  c_.kick();
  co_return http::error_code{};
}

void H2Exchange::reset() {
  c_.session().reset(sid_, h2::kInternalError);
  finished_ = true;
  c_.kick();
}

}  // namespace

asio::awaitable<void> serve_http2(std::unique_ptr<io::Transport> t, ServerContext& ctx,
                                  http::ConnInfo info, std::string initial,
                                  std::unique_ptr<H2cUpgrade> upgrade) {
  H2Connection c(std::move(t), ctx, std::move(info), ctx.snapshot());
  co_await c.run(std::move(initial), std::move(upgrade));
}

}  // namespace strata::conn
