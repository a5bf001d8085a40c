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
#include <optional>
#include <chrono>
#include <vector>

#include "conn/codec_metrics.hpp"
#include "conn/stream_runner.hpp"
#include "conn/stream_session.hpp"
#include "obs/metrics.hpp"
#include "quic/replay_guard.hpp"
#include "security/listener_gate.hpp"
#include "security/rules.hpp"

namespace strata::conn {

namespace {

namespace asio = boost::asio;
namespace h3 = codec::http3;
using h3::StreamId;

struct Metrics {
  obs::Counter& streams = obs::counter("strata_http3_streams_total", "HTTP/3 request streams served");
  obs::Gauge& active = obs::gauge("strata_quic_streams", "HTTP/3 request streams in progress");
  obs::Counter& header_timeouts = obs::counter(
      "strata_http3_header_timeouts_total",
      "HTTP/3 request streams reset by timeouts.header (request head incomplete in time)");
  obs::Counter& replayed = obs::counter("strata_quic_early_data_total", "0-RTT early data decisions",
                                        {{"outcome", "replayed_request"}});
  StreamMetrics stream{streams, active};
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
using H3Exchange = StreamExchange<App>;
static_assert(StreamSession<h3::ServerSession, StreamId>);

class App final : public H3App, public h3::SessionEvents {
 public:
  using Session = h3::ServerSession;
  using StreamId = h3::StreamId;

  App(H3Transport& t, std::shared_ptr<ServerContext> ctx, http::ConnInfo info,
      asio::any_io_executor ex, std::shared_ptr<const Snapshot> snap)
      : t_(t),
        ctx_(std::move(ctx)),
        info_(std::move(info)),
        ex_(std::move(ex)),
        snap_(std::move(snap)),
        limits_(snap_ && snap_->config ? snap_->config->limits : config::Limits{}),
        session_(limits_, h3::Settings{}, *this, t_, *ctx_->time().clock),
        reg_(*ctx_, this),
        head_timer_(ex_, ctx_->time()) {
    if (snap_ && snap_->config) header_timeout_ = snap_->config->timeouts.header;
    asio::co_spawn(ex_, head_watch(t_.keep_alive()), asio::detached);
  }

  // No stream coroutine outlives the App in normal operation (each pins the
  // connection); at io_context shutdown their frames are destroyed first,
  // so live_ may name freed exchanges here: it is not touched.
  ~App() override = default;

  // H3App
  h3::ServerSession& session() override { return session_; }
  void closed() override {
    dead_ = true;
    head_timer_.cancel();
    for (auto* e : live_) e->wake();
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
  void on_stream_wake(StreamId, void* user) override { static_cast<H3Exchange*>(user)->wake(); }
  void on_error(h3::PeerError e) override { codec_metrics::h3_error(e); }

  // --- for StreamExchange / serve_stream (conn/stream_exchange.hpp) ---
  static constexpr std::uint64_t kCancelCode = h3::kRequestCancelled;
  static constexpr std::uint64_t kInternalErrorCode = h3::kInternalError;
  void kick() { t_.kick(); }
  bool dead() const { return dead_ || t_.dead(); }
  const http::ConnInfo& info() const { return info_; }
  const asio::any_io_executor& executor() const { return ex_; }
  const ConnTime& time() const { return ctx_->time(); }
  void on_head(const Snapshot*, http::Response&) {}
  void attach(H3Exchange* e) { live_.push_back(e); }
  void detach(H3Exchange* e) { live_.erase(std::find(live_.begin(), live_.end(), e)); }
  // 0-RTT: a replay of an earlier early-data request gets 425.
  std::optional<LocalReply> admit(H3Exchange& ex) {
    const auto& snap = ex.snapshot();
    if (snap && snap->listener && !early_checks(ex.id(), ex.request(), *snap)) {
      Metrics::get().replayed.inc();
      return LocalReply{425, "too early: replayed early data\n"};
    }
    return std::nullopt;
  }
  void release(StreamId sid) {
    if (!t_.dead()) session_.release(sid);
  }

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

  // timeouts.header on request heads: a stream whose HEADERS began but did
  // not complete in time is reset (H3_REQUEST_CANCELLED); other streams go
  // on. Ends when the connection closes (closed() cancels the timer).
  asio::awaitable<void> head_watch(std::shared_ptr<void> keep) {
    auto header = std::chrono::duration_cast<core::Clock::duration>(header_timeout_);
    const auto& time = ctx_->time();
    while (!dead()) {
      auto now = time.now();
      auto oldest = session_.oldest_pending_head();
      auto at = oldest == core::Clock::time_point::max() ? now + header : oldest + header;
      co_await head_timer_.wait_until(at);
      if (dead()) break;
      if (auto n = session_.expire_heads(time.now() - header)) {
        Metrics::get().header_timeouts.inc(n);
        t_.kick();
      }
    }
  }

  asio::awaitable<void> run_stream(StreamId sid, std::shared_ptr<void> keep) {
    co_await serve_stream(*this, sid, ctx_->snapshot(), http::Protocol::h3, Metrics::get().stream);
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
  Timer head_timer_;
  config::Duration header_timeout_ = config::Timeouts{}.header;
  std::vector<H3Exchange*> live_;
  bool dead_ = false;
  bool draining_ = false;
};

class QuicHost final : public quic::Host {
 public:
  explicit QuicHost(std::shared_ptr<ServerContext> ctx) : ctx_(std::move(ctx)) {}
  quic::ListenerSettings settings() const override {
    quic::ListenerSettings s;
    auto snap = ctx_->snapshot();
    if (!snap || !snap->listener) return s;
    s.quic = &snap->listener->quic;
    s.tls = snap->quic_tls;
    s.listener = snap->listener->name;
    s.keep = std::move(snap);
    return s;
  }
  std::unique_ptr<quic::Application> make_application(std::string_view alpn,
                                                      quic::AppTransport& t, http::ConnInfo info,
                                                      asio::any_io_executor ex,
                                                      const quic::ListenerSettings& accepted) override {
    if (alpn != "h3") return nullptr;
    auto snap = std::static_pointer_cast<const Snapshot>(accepted.keep);
    // The listener's allow/deny list (TCP checks it before TLS; QUIC here).
    if (snap && snap->gate && !snap->gate->access_allowed(info.peer_ip)) return nullptr;
    // Security rules: a new connection (new_connections); a block_close
    // penalty refuses it (no application: the QUIC connection closes).
    if (auto rules = security::RuleRegistry::global().current();
        rules && !rules->empty() && rules->on_connection(info.peer_ip))
      return nullptr;
    return make_h3_app(t, ctx_, std::move(info), std::move(ex), std::move(snap));
  }

 private:
  std::shared_ptr<ServerContext> ctx_;
};

}  // namespace

std::unique_ptr<H3App> make_h3_app(H3Transport& t, std::shared_ptr<ServerContext> ctx,
                                   http::ConnInfo info, boost::asio::any_io_executor ex,
                                   std::shared_ptr<const Snapshot> snap) {
  return std::make_unique<App>(t, std::move(ctx), std::move(info), std::move(ex), std::move(snap));
}

}  // namespace strata::conn

namespace strata::conn {

std::shared_ptr<quic::Host> make_quic_host(std::shared_ptr<ServerContext> ctx) {
  return std::make_shared<QuicHost>(std::move(ctx));
}

}  // namespace strata::conn
