// An HTTP/2 hub subscriber for `strata load --hub ws|sse --h2`: one
// connection per subscriber (h2c prior knowledge for http://, ALPN h2 for
// https://). WebSocket: waits for the server's SETTINGS, requires
// SETTINGS_ENABLE_CONNECT_PROTOCOL=1, opens an RFC 8441 extended CONNECT
// (`:protocol websocket`) and expects 200; SSE: a GET with
// `accept: text/event-stream`, 200. Then the stream's DATA goes through
// SubStream (pongs and the close go back as DATA) until the run ends.
#include <random>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "codec/http2/client_session.hpp"
#include "tools/load/connector.hpp"
#include "tools/load/hub_internal.hpp"
#include "tools/load/hub_payload.hpp"
#include "tools/load/hub_sub_stream.hpp"

namespace strata::tools::load {

namespace asio = boost::asio;
namespace h2 = codec::http2;

namespace {

class Events final : public h2::ClientEvents {
 public:
  void on_stream_wake(h2::ClientStreamId, void*) override {}
  void on_goaway(h2::ClientStreamId, std::uint32_t) override { goaway = true; }
  void on_settings() override { settings = true; }
  bool settings = false;
  bool goaway = false;
};

h2::ClientLimits limits() {
  h2::ClientLimits l;
  l.initial_window = 256 * 1024;
  l.connection_window = 1024 * 1024;
  return l;
}

}  // namespace

asio::awaitable<void> hub_subscriber_h2(HubThread& t, unsigned index) {
  HubShared& g = t.g;
  HubStats& st = t.st;
  const bool ws = g.opt.mode == HubMode::ws;
  SubAttempt attempt(t);
  const ConnectParams cp = hub_connect_params(g, index);
  Connected c = co_await connect_once(cp);
  if (!c.transport) {
    attempt.failed(c.failure == Connected::Failure::tls ? HubError::handshake : HubError::connect);
    co_return;
  }
  if (g.tls && c.alpn != "h2") {
    attempt.failed(HubError::handshake);
    co_return;
  }
  std::shared_ptr<io::Transport> tr(std::move(c.transport));
  t.live.emplace(tr.get(), [p = tr.get()] { p->close(); });
  if (!tr->tls()) {
    boost::system::error_code ig;
    tr->lowest_layer().non_blocking(true, ig);
  }
  // Handshake watchdog: closes the connection when it is not established in time.
  auto timer = std::make_shared<asio::steady_timer>(co_await asio::this_coro::executor, cp.timeout);
  auto timed_out = std::make_shared<bool>(false);
  timer->async_wait([tr, timed_out](boost::system::error_code ec) {
    if (ec) return;
    *timed_out = true;
    tr->close();
  });

  Events ev;
  h2::ClientSession sess(limits(), ev);
  sess.start();
  SharedReader rd{*tr, t.buf, {}, nullptr};
  SubStream sub(t, ws, (std::uint64_t(index) << 32) ^ unix_us_now());
  const std::string path = hub_path_for(g, index);
  const std::string scheme = g.target.tls ? "https" : "http";
  http::Headers fields;
  if (ws) fields.add("sec-websocket-version", "13");
  else fields.add("accept", "text/event-stream");
  fields.add("user-agent", "strata-load");
  h2::ClientStreamId sid = 0;
  HubError why = HubError::reset;
  bool done = false, broken = false;
  std::string out, back;
  std::vector<char> body(16 * 1024);
  for (;;) {
    out.clear();
    while (sess.want_write()) {
      const std::size_t before = out.size();
      if (!sess.send(out, 256 * 1024)) break;
      if (out.size() == before) break;
    }
    if (!out.empty())
      if (auto ec = co_await tr->write(out); ec) break;
    if (done || broken) break;
    auto [ec, n] = co_await rd.read();
    if (ec) break;
    if (!sess.receive(std::span<const char>(rd.data, n))) {
      why = HubError::protocol;
      if (attempt.is_established()) st.error(HubError::protocol);
      break;
    }
    if (sid == 0 && ev.settings) {
      if (ws && !sess.peer_extended_connect()) {
        why = HubError::handshake;  // no RFC 8441 support
        break;
      }
      sid = ws ? sess.submit_request("CONNECT", scheme, g.target.authority, path, fields, false,
                                     &ev, "websocket")
               : sess.submit_request("GET", scheme, g.target.authority, path, fields, true, &ev);
      if (sid <= 0) {
        why = HubError::protocol;
        break;
      }
      continue;
    }
    if (sid <= 0) continue;
    const auto* s = sess.find(sid);
    if (!s) break;
    if (!attempt.is_established() && s->head_done) {
      if (s->response.status != 200) {
        ++st.status[s->response.status];
        why = HubError::handshake;
        break;
      }
      attempt.established();
      timer->cancel();
    }
    if (attempt.is_established()) {
      for (;;) {
        const std::size_t got = sess.read_body(sid, std::span<char>(body.data(), body.size()));
        if (got == 0) break;
        const auto r = sub.feed(std::string_view(body.data(), got), back);
        if (r == SubStream::Result::done) done = true;
        if (r == SubStream::Result::error) broken = true;
        if (r == SubStream::Result::closed) {
          if (!g.stop.load(std::memory_order_relaxed)) ++st.closed;
          broken = true;
        }
        if (done || broken) break;
      }
      if (!back.empty()) {
        sess.submit_data(sid, std::span<const char>(back.data(), back.size()), false);
        back.clear();
      }
    }
    s = sess.find(sid);
    if (s && s->closed && !done && !broken) {
      if (attempt.is_established() && !g.stop.load(std::memory_order_relaxed)) {
        ++st.closed;
        st.error(HubError::reset);
      }
      broken = true;
    }
  }
  timer->cancel();
  if (!attempt.is_established()) {
    attempt.failed(*timed_out ? HubError::timeout : why);
  } else if (!done && !broken && !g.stop.load(std::memory_order_relaxed)) {
    ++st.closed;
    st.error(HubError::reset);
  }
  t.live.erase(tr.get());
  tr->close();
}

}  // namespace strata::tools::load
