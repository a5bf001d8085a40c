// An HTTP/3 hub subscriber for `strata load --hub ws|sse --h3` over
// quic_client::ClientConn (one QUIC connection per subscriber, the thread's
// ClientTls). WebSocket: waits for the server's SETTINGS, requires
// SETTINGS_ENABLE_CONNECT_PROTOCOL=1 and opens an RFC 9220 extended
// CONNECT (`:protocol websocket`), 200 expected; SSE: a GET with
// `accept: text/event-stream`. The stream's bytes go through SubStream;
// replies (pongs, close) are sent from outside the QUIC callbacks.
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/ip/udp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "tools/load/hub_internal.hpp"
#include "tools/load/hub_payload.hpp"
#include "tools/load/hub_sub_stream.hpp"
#include "tools/quic_client/client_conn.hpp"
#include "tools/quic_client/client_tls.hpp"

namespace strata::tools::load {

namespace asio = boost::asio;
namespace qc = quic_client;

namespace {

class H3Sub final : public qc::ResponseListener {
 public:
  H3Sub(HubThread& t, unsigned index, SubAttempt& attempt, asio::any_io_executor ex)
      : t_(t), attempt_(attempt), ex_(ex), ws_(t.g.opt.mode == HubMode::ws),
        sub_(t, ws_, (std::uint64_t(index) << 32) ^ unix_us_now()),
        path_(hub_path_for(t.g, index)) {}
  void attach(qc::ClientConn& c) { conn_ = &c; }

  HubError why = HubError::connect;
  bool done = false;    // --messages reached
  bool broken = false;  // closed by the server / protocol error (accounted)

  void on_response_head(std::int64_t id, int status) override {
    if (id != sid_) return;
    if (status != 200) {
      ++t_.st.status[status];
      why = HubError::handshake;
      return end();
    }
    attempt_.established();
  }
  void on_data(std::int64_t, std::size_t) override {}
  void on_body(std::int64_t id, std::string_view d) override {
    if (id != sid_ || done || broken || !attempt_.is_established()) return;
    const auto r = sub_.feed(d, back_);
    if (r == SubStream::Result::done) done = true;
    if (r == SubStream::Result::error) broken = true;
    if (r == SubStream::Result::closed) {
      if (!t_.g.stop.load(std::memory_order_relaxed)) ++t_.st.closed;
      broken = true;
    }
    if (!back_.empty() || done || broken) {
      asio::post(ex_, [this] {
        if (!back_.empty() && !closing_) {
          conn_->send_body(sid_, back_);
          back_.clear();
          conn_->flush();
        }
        if (done || broken) end_now();
      });
    }
  }
  void on_close(std::int64_t id, std::uint64_t code) override {
    if (id != sid_) return;
    if (attempt_.is_established() && !done && !broken && !t_.g.stop.load(std::memory_order_relaxed)) {
      ++t_.st.closed;
      t_.st.error(code == 0 ? HubError::reset : HubError::protocol);
      broken = true;
    }
    end();
  }
  void on_writable() override {
    if (sid_ >= 0 || closing_) return;
    why = HubError::handshake;
    const int cp = conn_->peer_enable_connect_protocol();
    if (ws_ && (cp < 0 || !conn_->can_submit())) return;  // SETTINGS not in yet
    if (ws_ && cp != 1) return end();
    const auto& g = t_.g;
    std::vector<std::pair<std::string_view, std::string_view>> hs;
    if (ws_) {
      hs = {{":method", "CONNECT"}, {":protocol", "websocket"}, {":scheme", "https"},
            {":path", path_}, {":authority", g.target.authority}, {"sec-websocket-version", "13"},
            {"user-agent", "strata-load"}};
      sid_ = conn_->submit_streaming(hs);
    } else {
      hs = {{":method", "GET"}, {":scheme", "https"}, {":path", path_},
            {":authority", g.target.authority}, {"accept", "text/event-stream"},
            {"user-agent", "strata-load"}};
      sid_ = conn_->submit(hs, {});
    }
    if (sid_ < 0) return end();
    conn_->flush();
  }

  void end() {
    if (closing_) return;
    asio::post(ex_, [this] { end_now(); });
  }
  void end_now() {
    if (closing_) return;
    closing_ = true;
    conn_->close();
  }

 private:
  HubThread& t_;
  SubAttempt& attempt_;
  asio::any_io_executor ex_;
  bool ws_;
  SubStream sub_;
  std::string path_;
  std::string back_;
  qc::ClientConn* conn_ = nullptr;
  std::int64_t sid_ = -1;
  bool closing_ = false;
};

}  // namespace

asio::awaitable<void> hub_subscriber_h3(HubThread& t, unsigned index) {
  using namespace asio::experimental::awaitable_operators;
  HubShared& g = t.g;
  SubAttempt attempt(t);
  auto ex = co_await asio::this_coro::executor;
  qc::ClientTls& tls = *g.quic_tls[t.index % g.quic_tls.size()];
  qc::ClientOptions o;
  o.sni = g.target.host;
  o.early_data = false;
  o.handshake_timeout = std::chrono::nanoseconds(std::int64_t(g.opt.connect_timeout_s * 1e9));
  o.idle_timeout = std::chrono::hours(1);  // the server's heartbeats keep it alive anyway
  o.conn_window = 256 * 1024;
  o.stream_window = 128 * 1024;
  H3Sub l(t, index, attempt, ex);
  qc::ClientConn conn(ex, o, tls, l);
  l.attach(conn);
  t.live.emplace(&conn, [&l] { l.end(); });
  const auto& tep = g.endpoints.front();
  bool timed_out = false;
  auto watchdog = [&]() -> asio::awaitable<void> {
    asio::steady_timer tm(ex, o.handshake_timeout);
    auto [ec] = co_await tm.async_wait(asio::as_tuple(asio::use_awaitable));
    if (!ec && !attempt.is_established()) {
      timed_out = true;
      l.end_now();
    }
    // Never ends by itself: run() ends with the connection and the `||`
    // below cancels this wait.
    asio::steady_timer forever(ex, std::chrono::hours(24 * 365));
    co_await forever.async_wait(asio::as_tuple(asio::use_awaitable));
  };
  co_await (conn.run(asio::ip::udp::endpoint(tep.address(), tep.port())) || watchdog());
  t.live.erase(&conn);
  if (!attempt.is_established()) {
    attempt.failed(timed_out ? HubError::timeout
                   : conn.handshake_done() ? l.why
                   : conn.bytes_received() ? HubError::handshake
                                           : HubError::connect);
  } else if (!l.done && !l.broken && !g.stop.load(std::memory_order_relaxed)) {
    ++t.st.closed;
    t.st.error(HubError::reset);
  }
}

}  // namespace strata::tools::load
