// HTTP/3 application: Exchanges over codec::http3::ServerSession. The QUIC
// connection (quic/connection.cpp) does all I/O; this file only turns
// session events into handler coroutines and handler calls into session
// calls, waking the QUIC writer with kick().
#include "conn/http3_connection.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <algorithm>
#include <chrono>
#include <vector>

#include "conn/signal.hpp"
#include "obs/metrics.hpp"
#include "quic/replay_guard.hpp"

namespace strata::conn {

namespace {

namespace asio = boost::asio;
namespace h3 = codec::http3;
using h3::StreamId;
using Clock = std::chrono::steady_clock;
constexpr auto use_tuple = asio::as_tuple(asio::use_awaitable);

struct Metrics {
  obs::Counter& streams = obs::counter("strata_http3_streams_total", "HTTP/3 request streams served");
  obs::Gauge& active = obs::gauge("strata_quic_streams", "HTTP/3 request streams in progress");
  obs::Counter& handler_errors = obs::counter(
      "strata_http3_handler_errors_total", "HTTP/3 handlers that threw or left a stream unfinished");
  obs::Counter& replayed = obs::counter("strata_quic_early_data_total", "0-RTT early data decisions",
                                        {{"outcome", "replayed_request"}});
  static Metrics& get() {
    static Metrics m;
    return m;
  }
};

// Request-level 0-RTT replay memory, process-wide (a replay may reach any
// worker). Sized by the first HTTP/3 listener's quic settings.
quic::ReplayGuard& request_guard(const config::Quic& q) {
  static quic::ReplayGuard g(q.replay_cache_entries, std::chrono::nanoseconds(q.replay_window),
                             core::SteadyClock::instance());
  return g;
}

class App;

class H3Exchange final : public http::Exchange {
 public:
  H3Exchange(App& a, StreamId sid, std::shared_ptr<const Snapshot> snap);
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
  App& a_;
  StreamId sid_;
  std::shared_ptr<const Snapshot> snap_;
  bool head_sent_ = false;
  bool finished_ = false;
};

class App final : public H3App, public h3::SessionEvents {
 public:
  App(H3Transport& t, std::shared_ptr<ServerContext> ctx, http::ConnInfo info,
      asio::any_io_executor ex, std::shared_ptr<const Snapshot> snap)
      : t_(t),
        ctx_(std::move(ctx)),
        info_(std::move(info)),
        ex_(std::move(ex)),
        snap_(std::move(snap)),
        limits_(snap_ && snap_->config ? snap_->config->limits : config::Limits{}),
        session_(limits_, h3::Settings{}, *this, t_),
        reg_(*ctx_, this) {}

  ~App() override {
    for (auto* e : live_) e->signal.notify();
  }

  // H3App
  h3::ServerSession& session() override { return session_; }
  void closed() override {
    dead_ = true;
    for (auto* e : live_) e->signal.notify();
  }
  bool idle() const override { return live_.empty() && session_.live_streams() == 0; }
  bool draining() const override { return draining_; }
  void drain() override {
    if (draining_) return;
    draining_ = true;
    session_.shutdown();
    t_.kick();
  }

  // SessionEvents
  void on_request(StreamId sid) override {
    asio::co_spawn(ex_, run_stream(sid, t_.keep_alive()), asio::detached);
  }
  void on_stream_wake(StreamId, void* user) override { static_cast<H3Exchange*>(user)->signal.notify(); }

  void kick() { t_.kick(); }
  bool dead() const { return dead_ || t_.dead(); }
  const http::ConnInfo& info() const { return info_; }
  const asio::any_io_executor& executor() const { return ex_; }

 private:
  // 0-RTT: marks the request; a replay of an earlier early-data request
  // (same ClientHello, same request) within the window is refused.
  bool early_checks(StreamId sid, http::Request& req, const Snapshot& snap) {
    if (!t_.stream_early(sid)) return true;
    req.early_data = true;
    const auto& q = snap.listener->quic;
    std::uint64_t fp = t_.hello_fingerprint();
    auto key = quic::ReplayGuard::fingerprint(
        std::string_view(reinterpret_cast<const char*>(&fp), sizeof fp), req.method, req.authority,
        req.target);
    return request_guard(q).check(key) == quic::ReplayGuard::Verdict::fresh;
  }

  asio::awaitable<void> run_stream(StreamId sid, std::shared_ptr<void> keep) {
    auto snap = ctx_->snapshot();
    {
      H3Exchange ex(*this, sid, snap);
      session_.set_user(sid, &ex);
      live_.push_back(&ex);
      auto& m = Metrics::get();
      m.streams.inc();
      m.active.add();
      try {
        if (snap && snap->listener && !early_checks(sid, ex.request(), *snap)) {
          m.replayed.inc();
          co_await http::respond(ex, 425, "too early: replayed early data\n");
        } else if (snap && snap->handler) {
          co_await snap->handler->handle(ex);
        }
      } catch (const std::exception&) {
        m.handler_errors.inc();
      }
      if (!ex.finished() && !dead()) {
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
      if (!t_.dead()) session_.release(sid);
    }
    if (!t_.dead()) t_.kick();
  }

  H3Transport& t_;
  std::shared_ptr<ServerContext> ctx_;
  http::ConnInfo info_;
  asio::any_io_executor ex_;
  std::shared_ptr<const Snapshot> snap_;
  config::Limits limits_;
  h3::ServerSession session_;
  Registration reg_;
  std::vector<H3Exchange*> live_;
  bool dead_ = false;
  bool draining_ = false;
};

H3Exchange::H3Exchange(App& a, StreamId sid, std::shared_ptr<const Snapshot> snap)
    : signal(a.executor()), a_(a), sid_(sid), snap_(std::move(snap)) {}

http::Request& H3Exchange::request() { return a_.session().request(sid_); }
const http::ConnInfo& H3Exchange::conn() const { return a_.info(); }
asio::any_io_executor H3Exchange::executor() const { return a_.executor(); }

asio::awaitable<http::IoResult> H3Exchange::read_body(std::span<char> buf) {
  auto& s = a_.session();
  auto idle = snap_ && snap_->config ? snap_->config->timeouts.body_idle : config::Timeouts{}.body_idle;
  // A CONNECT stream is a tunnel: its silence is bounded by the tunnel's idle timeout.
  using Dur = Signal::Clock::duration;
  const Dur wait_for = request().method == "CONNECT" ? Dur::max() : Dur(idle);
  for (;;) {
    if (a_.dead()) co_return http::IoResult{asio::error::connection_reset, 0};
    if (std::size_t n = s.read_body(sid_, buf)) {
      a_.kick();  // flow-control credit may be due
      co_return http::IoResult{{}, n};
    }
    switch (s.body_state(sid_)) {
      case h3::BodyState::ended:
        co_return http::IoResult{};
      case h3::BodyState::overflow:
        body_overflow = true;
        co_return http::IoResult{make_error_code(boost::system::errc::message_size), 0};
      case h3::BodyState::reset:
        co_return http::IoResult{asio::error::connection_reset, 0};
      case h3::BodyState::more:
        break;
    }
    if (!co_await signal.wait(wait_for)) {
      if (a_.dead()) co_return http::IoResult{asio::error::connection_reset, 0};
      if (std::size_t n = s.read_body(sid_, buf)) {
        a_.kick();
        co_return http::IoResult{{}, n};
      }
      if (s.body_state(sid_) == h3::BodyState::more) {  // no progress for body_idle
        s.reset(sid_, h3::kRequestCancelled);
        a_.kick();
        co_return http::IoResult{asio::error::timed_out, 0};
      }
    }
  }
}

const http::Headers* H3Exchange::request_trailers() const {
  return a_.session().request_trailers(sid_);
}

asio::awaitable<http::error_code> H3Exchange::send_interim(const http::Response& r) {
  if (head_sent_) co_return make_error_code(boost::system::errc::operation_not_permitted);
  if (a_.dead() || !a_.session().submit_interim(sid_, r)) co_return asio::error::connection_reset;
  a_.kick();
  co_return http::error_code{};
}

asio::awaitable<http::error_code> H3Exchange::send_head(http::Response& r, bool end_stream) {
  if (head_sent_) co_return make_error_code(boost::system::errc::operation_not_permitted);
  if (a_.dead() || !a_.session().submit_response(sid_, r, end_stream))
    co_return asio::error::connection_reset;
  head_sent_ = true;
  finished_ = end_stream;
  a_.kick();
  co_return http::error_code{};
}

asio::awaitable<http::error_code> H3Exchange::send_body(std::span<const char> data, bool end_stream) {
  if (!head_sent_ || finished_) co_return make_error_code(boost::system::errc::operation_not_permitted);
  auto& s = a_.session();
  if (a_.dead() || !s.submit_data(sid_, data, end_stream)) co_return asio::error::connection_reset;
  finished_ = end_stream;
  a_.kick();
  std::size_t limit = snap_ && snap_->config ? snap_->config->limits.stream_buffer
                                             : config::Limits{}.stream_buffer;
  while (s.buffered(sid_) > limit) {
    if (a_.dead() || !s.writable(sid_)) co_return asio::error::connection_reset;
    co_await signal.wait();
  }
  co_return http::error_code{};
}

asio::awaitable<http::error_code> H3Exchange::send_trailers(const http::Headers& t) {
  if (!head_sent_ || finished_) co_return make_error_code(boost::system::errc::operation_not_permitted);
  if (a_.dead() || !a_.session().submit_trailers(sid_, t)) co_return asio::error::connection_reset;
  finished_ = true;
  a_.kick();
  co_return http::error_code{};
}

void H3Exchange::reset() {
  if (!a_.dead()) a_.session().reset(sid_, h3::kInternalError);
  finished_ = true;
  a_.kick();
}

}  // namespace

std::unique_ptr<H3App> make_h3_app(H3Transport& t, std::shared_ptr<ServerContext> ctx,
                                   http::ConnInfo info, boost::asio::any_io_executor ex,
                                   std::shared_ptr<const Snapshot> snap) {
  return std::make_unique<App>(t, std::move(ctx), std::move(info), std::move(ex), std::move(snap));
}

}  // namespace strata::conn
