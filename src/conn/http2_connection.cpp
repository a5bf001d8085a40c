// HTTP/2 connection driver: serve_http2() over an io::Transport.
//
// Everything runs on the connection's executor (one worker thread), no
// locks. Coroutines per connection:
//   - the reader (this coroutine): transport.read_some -> session.receive;
//     with no stream it rests: it waits for the socket's readability
//     without its read buffer, write buffer or TLS stream buffers. A read
//     already pending when the last stream ends is listed with the
//     worker's park sweeper (conn/http1_park_sweeper.hpp), which ends it
//     after ConnTime::park_after so the reader rests.
//   - the writer: session.send into one gathered buffer -> transport.write,
//     one write in flight; woken by kick()
//   - the watchdog: GOAWAY after timeouts.idle with no live streams;
//     GOAWAY and close when timeouts.header passes without a first complete
//     request head, or with a header block left open (docs/config.md)
//   - one per stream: snapshot->handler->handle(exchange)
// Waits use Signal (a Timer that only a cancel() ends). Every wait
// re-checks its condition, so a notify with nobody waiting is harmless.
// Streams are StreamExchanges (conn/stream_exchange.hpp) run by
// serve_stream (conn/stream_runner.hpp), shared with HTTP/3. Time (idle,
// flush deadline, body_idle) comes from ServerContext::time().
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <algorithm>
#include <memory>
#include <optional>
#include <chrono>
#include <vector>

#include "codec/http2/server_session.hpp"
#include "conn/codec_metrics.hpp"
#include "conn/http1_park_sweeper.hpp"
#include "conn/http2_read_buffer.hpp"
#include "conn/memory_trim.hpp"
#include "conn/server_context.hpp"
#include "conn/signal.hpp"
#include "conn/stream_runner.hpp"
#include "conn/stream_session.hpp"
#include "obs/metrics.hpp"

namespace strata::conn {

namespace {

namespace asio = boost::asio;
namespace h2 = codec::http2;
using h2::StreamId;
using Clock = core::Clock;
constexpr std::size_t kReadBuffer = kHttp2ReadBuffer;
constexpr std::size_t kWriteBatch = 128 * 1024;  // bytes framed per write

struct Metrics {
  obs::Counter& streams = obs::counter("strata_http2_streams_total", "HTTP/2 streams served");
  obs::Gauge& active = obs::gauge("strata_http2_active_streams", "HTTP/2 streams in progress");
  obs::Counter& connections =
      obs::counter("strata_http2_connections_total", "HTTP/2 connections served");
  obs::Counter& header_timeouts = obs::counter(
      "strata_http2_header_timeouts_total",
      "HTTP/2 connections closed by timeouts.header (no complete request head in time)");
  StreamMetrics stream{streams, active};
  static Metrics& get() {
    static Metrics m;
    return m;
  }
};

class H2Connection;
using H2Exchange = StreamExchange<H2Connection>;
static_assert(StreamSession<h2::ServerSession, StreamId>);

class H2Connection final : public Connection, public h2::SessionEvents, public Parkable {
 public:
  using Session = h2::ServerSession;
  using StreamId = h2::StreamId;

  H2Connection(std::unique_ptr<io::Transport> t, ServerContext& ctx, http::ConnInfo info,
               std::shared_ptr<const Snapshot> snap)
      : t_(std::move(t)),
        ctx_(ctx),
        info_(std::move(info)),
        ex_(t_->get_executor()),
        limits_(snap && snap->config ? snap->config->limits : config::Limits{}),
        timeouts_(snap && snap->config ? snap->config->timeouts : config::Timeouts{}),
        time_(ctx.time()),
        session_(limits_, *this, *time_.clock),
        writer_signal_(ex_, time_),
        main_signal_(ex_, time_),
        idle_timer_(ex_, time_),
        last_active_(time_.now()),
        started_(last_active_) {}
  ~H2Connection() override {
    if (sweeper_) sweeper_->remove(*this);
  }
  H2Connection(const H2Connection&) = delete;
  H2Connection& operator=(const H2Connection&) = delete;

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
    Http2ReadBuffer buf;
    while (ok && !stop_reading_) {
      if (!session_.want_read() && !session_.want_write()) break;
      if (buf && idle() && !t_->buffered()) {
        // Idle (no stream): wait for the socket's readability without the
        // read buffer, which goes back to the worker's pool meanwhile, and,
        // unless a write is under way, without the write buffer and the TLS
        // stream's buffers (the transport hibernates; the next read or
        // write wakes it).
        release_http2_read_buffer(std::move(buf));
        if (!writing_) {
          std::string().swap(out_);
          t_->release_buffers();
          // A hibernated TLS stream (~70 KB) counts towards the post-burst
          // malloc_trim like a close (memory_trim.hpp), as for parked h1.
          if (io::tls_hibernating(*t_)) note_connection_closed(ex_);
        }
        resting_ = true;
        auto [wec] = co_await t_->socket_for_waits().async_wait(
            asio::ip::tcp::socket::wait_read, asio::as_tuple(asio::use_awaitable));
        resting_ = false;
        if (wec || stop_reading_) break;
      }
      if (!buf) buf = acquire_http2_read_buffer();
      reading_ = true;
      if (idle()) list_idle();
      auto [ec, n] = co_await t_->read_some(std::span<char>(buf.get(), kReadBuffer));
      reading_ = false;
      if (sweeper_) sweeper_->remove(*this);
      if (std::exchange(rest_requested_, false) && ec == asio::error::operation_aborted && !stop_reading_ &&
          !dead_ && t_->is_open())
        continue;  // the sweeper ended the idle read: rest at the loop's top
      if (ec || stop_reading_) break;
      last_active_ = time_.now();
      ok = session_.receive(std::span<const char>(buf.get(), n));
      // A header block left open moves the watchdog's deadline closer.
      if (session_.live_streams() > live_.size() && head_deadline() < watch_until_)
        idle_timer_.cancel();
      kick();
    }
    if (buf) release_http2_read_buffer(std::move(buf));
    // Flush what is queued (a GOAWAY, final frames), bounded in time.
    stop_ = true;
    idle_timer_.cancel();
    kick();
    auto deadline = time_.now() + std::min<Clock::duration>(timeouts_.drain, std::chrono::seconds(5));
    while (!writer_done_) {
      if (deadline <= time_.now() || !co_await main_signal_.wait_until(deadline)) {
        dead_ = true;
        t_->close();
        deadline = time_.now() + std::chrono::hours(1);
      }
    }
    if (!dead_) co_await t_->shutdown();
    dead_ = true;
    t_->close();
    for (auto* e : live_) e->wake();
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
    got_request_ = true;
    ++tasks_;
    // The stream's coroutine is serve_stream itself; what follows it runs
    // in the completion handler (no frame of its own per stream).
    asio::co_spawn(ex_,
                   serve_stream(*this, sid, ctx_.snapshot(), http::Protocol::h2, Metrics::get().stream),
                   [this](const std::exception_ptr&) { stream_done(); });
  }
  void on_stream_wake(StreamId, void* user) override { static_cast<H2Exchange*>(user)->wake(); }
  void on_abuse(h2::Abuse a) override { codec_metrics::h2_abuse(a); }
  void on_goaway_sent(std::uint32_t code) override { codec_metrics::h2_goaway_sent(code); }
  void on_protocol_error() override { codec_metrics::h2_protocol_error(); }

  // --- for StreamExchange / serve_stream (conn/stream_exchange.hpp) ---
  static constexpr std::uint32_t kCancelCode = h2::kCancel;
  static constexpr std::uint32_t kInternalErrorCode = h2::kInternalError;
  void kick() { writer_signal_.notify(); }
  h2::ServerSession& session() { return session_; }
  const http::ConnInfo& info() const { return info_; }
  const asio::any_io_executor& executor() const { return ex_; }
  const ConnTime& time() const { return time_; }
  bool dead() const { return dead_; }
  void on_head(const Snapshot*, http::Response&) {}  // Alt-Svc: filter/alt_svc.hpp
  void attach(H2Exchange* e) { live_.push_back(e); }
  void detach(H2Exchange* e) {
    live_.erase(std::find(live_.begin(), live_.end(), e));
    if (reading_ && idle()) list_idle();
  }
  std::optional<LocalReply> admit(H2Exchange&) { return std::nullopt; }
  void release(StreamId sid) { session_.release(sid); }

  // Parkable: the sweeper ends a read that has waited park_after with no
  // stream, unless a write is under way (it asks again at its next tick).
  void request_park() override {
    if (!reading_ || writing_ || rest_requested_ || !idle()) return;
    rest_requested_ = true;
    boost::system::error_code ec;
    t_->socket_for_waits().cancel(ec);
  }

 private:
  bool idle() const { return live_.empty() && session_.live_streams() == 0; }
  void list_idle() {
    if (time_.park_after.count() <= 0) return;
    if (!sweeper_) sweeper_ = &Http1ParkSweeper::of(ex_);  // use_service locks: once per connection
    sweeper_->add(*this, ex_, time_.park_after);
  }

  // A stream's coroutine ended (also if it threw: the task count stays true).
  void stream_done() {
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
          t_->socket_for_waits().cancel(ec);
        }
        co_await writer_signal_.wait();
        continue;
      }
      // The buffer descriptor lives in this frame for the whole write.
      asio::const_buffer b(out_.data(), out_.size());
      writing_ = true;
      auto ec = co_await t_->write(std::span<const asio::const_buffer>(&b, 1));
      writing_ = false;
      if (reading_ && idle()) list_idle();  // the last stream closed as its end went out
      if (resting_ && idle()) {
        // A write while the reader rests (a PING's ACK, SETTINGS, GOAWAY)
        // woke the transport: back to rest.
        std::string().swap(out_);
        t_->release_buffers();
      }
      if (ec) {
        dead_ = true;
        stop_reading_ = true;
        boost::system::error_code ig;
        t_->socket_for_waits().cancel(ig);
        for (auto* e : live_) e->wake();
        break;
      }
    }
    writer_done_ = true;
    task_done();
  }

  asio::awaitable<void> watchdog() {
    last_active_ = time_.now();
    while (!stop_) {
      auto idle = std::chrono::duration_cast<Clock::duration>(timeouts_.idle);
      watch_until_ = std::min(last_active_ + idle, head_deadline());
      co_await idle_timer_.wait_until(watch_until_);
      if (stop_) break;
      if (head_deadline() <= time_.now()) {
        // timeouts.header: no complete request head since the connection
        // opened, or a header block left unfinished (which stalls the
        // whole connection): GOAWAY and close.
        Metrics::get().header_timeouts.inc();
        session_.terminate(h2::kNoError);
        kick();
        break;
      }
      if (!live_.empty() || session_.live_streams() > 0) {
        last_active_ = time_.now();
        continue;
      }
      if (time_.now() - last_active_ >= idle) {
        drain();  // GOAWAY(NO_ERROR); the writer ends the connection once it is out
        break;
      }
    }
    task_done();
  }

  // When timeouts.header runs out: the first request head must complete
  // within it from the connection start, and so must every header block.
  Clock::time_point head_deadline() const {
    auto header = std::chrono::duration_cast<Clock::duration>(timeouts_.header);
    auto oldest = session_.oldest_pending_head();
    if (!got_request_) oldest = std::min(oldest, started_);
    return oldest == Clock::time_point::max() ? oldest : oldest + header;
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
  const ConnTime& time_;
  h2::ServerSession session_;
  Signal writer_signal_;
  Signal main_signal_;
  Timer idle_timer_;
  std::string out_;
  std::vector<H2Exchange*> live_;
  Clock::time_point last_active_;
  Clock::time_point started_;
  Clock::time_point watch_until_ = Clock::time_point::max();  // the watchdog's wake-up
  bool got_request_ = false;
  int tasks_ = 0;
  bool stop_ = false;          // reader finished: writer flushes then exits
  bool stop_reading_ = false;  // session done or failed
  bool writer_done_ = false;
  bool writing_ = false;       // the writer awaits t_->write(): out_ and the transport are in use
  bool reading_ = false;       // the reader awaits t_->read_some()
  bool resting_ = false;       // the reader awaits readability, buffers released
  bool rest_requested_ = false;  // request_park cancelled that read
  Http1ParkSweeper* sweeper_ = nullptr;
  bool dead_ = false;          // transport unusable
  bool draining_ = false;
};

}  // namespace

asio::awaitable<void> serve_http2(std::unique_ptr<io::Transport> t, ServerContext& ctx,
                                  http::ConnInfo info, std::string initial,
                                  std::unique_ptr<H2cUpgrade> upgrade) {
  H2Connection c(std::move(t), ctx, std::move(info), ctx.snapshot());
  co_await c.run(std::move(initial), std::move(upgrade));
}

}  // namespace strata::conn
